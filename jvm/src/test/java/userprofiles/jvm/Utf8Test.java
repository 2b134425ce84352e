package userprofiles.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Utf8.scan and Utf8.hasLoneSurrogateEscape against references written here: the JDK's UTF-8 decoder (which
 * follows Unicode's table 3-7: no overlong form, no encoded surrogate, nothing above U+10FFFF, no cut
 * sequence) and a plain search for the backslash byte; for the escapes, the UTF-16 units of the text's \\u
 * escapes paired with Character.isHighSurrogate / isLowSurrogate.
 */
class Utf8Test {
  private static final HexFormat HEX = HexFormat.of().withUpperCase();

  // --- the references ----------------------------------------------------------------------------------------

  private static final CharsetDecoder DECODER = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);

  static boolean jdkValid(byte[] b) {
    try {
      DECODER.reset().decode(ByteBuffer.wrap(b));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  static boolean hasBackslash(byte[] b) {
    for (byte x : b) if (x == '\\') return true;
    return false;
  }

  /**
   * The text's characters in order, each as the UTF-16 unit of its \\uXXXX escape, or -1 for anything else
   * (a plain byte, another escape such as \\\\ or \\n): a surrogate unit is lone unless a high one is
   * directly followed by a low one. Only for text whose escapes are well formed (what a JSON parse accepted).
   */
  static boolean referenceLoneSurrogate(byte[] b) {
    List<Integer> units = new ArrayList<>();
    for (int i = 0; i < b.length; ) {
      if (b[i] == '\\' && i + 1 < b.length) {
        if (b[i + 1] == 'u' && i + 6 <= b.length) {
          units.add(Integer.parseInt(new String(b, i + 2, 4, StandardCharsets.US_ASCII), 16));
          i += 6;
        } else {
          units.add(-1);
          i += 2;
        }
      } else {
        units.add(-1);
        i++;
      }
    }
    for (int k = 0; k < units.size(); k++) {
      int u = units.get(k);
      if (u < 0) continue;
      if (Character.isHighSurrogate((char) u)) {
        if (k + 1 < units.size() && units.get(k + 1) >= 0 && Character.isLowSurrogate((char) (int) units.get(k + 1))) {
          k++;
          continue;
        }
        return true;
      }
      if (Character.isLowSurrogate((char) u)) return true;
    }
    return false;
  }

  /** One comparison: scan's validity with the JDK's, its backslash flag (which only means something when valid). */
  static void check(byte[] b) {
    Utf8.Scan s = Utf8.scan(b);
    boolean valid = jdkValid(b);
    if (s.valid != valid) {
      fail("scan says " + (s.valid ? "valid" : "invalid") + ", the JDK " + (valid ? "valid" : "invalid") + ": "
          + HEX.formatHex(b));
    }
    if (valid && s.backslash != hasBackslash(b)) {
      fail("scan's backslash flag is " + s.backslash + " for " + HEX.formatHex(b));
    }
  }

  static byte[] bytes(int... v) {
    byte[] b = new byte[v.length];
    for (int i = 0; i < v.length; i++) b[i] = (byte) v[i];
    return b;
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) out.writeBytes(p);
    return out.toByteArray();
  }

  static byte[] ascii(int n, char c) {
    byte[] b = new byte[n];
    java.util.Arrays.fill(b, (byte) c);
    return b;
  }

  static byte[] utf8(int codePoint) {
    return new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * SEQ at every offset 0..15 (so both the word-at-a-time path and the byte path meet it, with the sequence
   * inside a word, across two words and in the tail), followed by 0..9 bytes of padding.
   */
  static void checkEverywhere(byte[] seq, char pad) {
    for (int before = 0; before < 16; before++) {
      for (int after = 0; after < 10; after++) {
        check(concat(ascii(before, pad), seq, ascii(after, pad)));
      }
    }
  }

  // --- valid text ------------------------------------------------------------------------------------------------

  /** The first and last code point of every width and of every row of table 3-7, plus a few between. */
  static final int[] EDGE_CODE_POINTS = {
      0x00, 0x01, 0x41, 0x5C, 0x7F,                       // 1 byte (0x5C: the backslash)
      0x80, 0x85, 0xFF, 0x100, 0x7FF,                     // 2 bytes (U+0085: NEL)
      0x800, 0xFFF, 0x1000, 0x2028, 0x2029, 0xCFFF,       // 3 bytes, E0 / E1..EC
      0xD000, 0xD7FF,                                     // ED (below the surrogates)
      0xE000, 0xFEFF, 0xFFFD, 0xFFFE, 0xFFFF,             // EE..EF
      0x10000, 0x1F600, 0x3FFFF,                          // 4 bytes, F0
      0x40000, 0xFFFFF,                                   // F1..F3
      0x100000, 0x10FFFF,                                 // F4
  };

  @Test
  void everyWidthIsValidAtEveryOffset() {
    for (int cp : EDGE_CODE_POINTS) {
      byte[] seq = utf8(cp);
      assertTrue(Utf8.scan(seq).valid, () -> "U+" + Integer.toHexString(cp));
      checkEverywhere(seq, 'a');
      checkEverywhere(seq, '\\');
      // Two in a row, and the same character repeated over several words.
      checkEverywhere(concat(seq, seq), 'z');
      check(concat(seq, seq, seq, seq, seq, seq, seq, seq, seq));
    }
  }

  @Test
  void everyCodePointOfEveryWidth() {
    // All of Unicode's scalar values, each alone and then 3 at a time with ASCII between (word boundaries move).
    for (int cp = 0; cp <= 0x10FFFF; cp++) {
      if (cp >= 0xD800 && cp <= 0xDFFF) continue;
      byte[] seq = utf8(cp);
      Utf8.Scan s = Utf8.scan(seq);
      if (!s.valid || s.backslash != (cp == '\\')) fail("U+" + Integer.toHexString(cp) + " " + HEX.formatHex(seq));
    }
    Random rnd = new Random(7);
    for (int n = 0; n < 20_000; n++) {
      StringBuilder t = new StringBuilder();
      for (int k = 0; k < 3; k++) {
        t.append("x".repeat(rnd.nextInt(9)));
        int cp;
        do {
          cp = rnd.nextInt(0x110000);
        } while (cp >= 0xD800 && cp <= 0xDFFF);
        t.appendCodePoint(cp);
      }
      check(t.toString().getBytes(StandardCharsets.UTF_8));
    }
  }

  // --- invalid text ----------------------------------------------------------------------------------------------

  /** Every ill-formed sequence class, each also tested at every offset. */
  static List<byte[]> invalidSequences() {
    List<byte[]> out = new ArrayList<>();
    // Overlong forms: 2 bytes (C0, C1), 3 bytes (E0 80..9F), 4 bytes (F0 80..8F).
    for (int b = 0x80; b <= 0xBF; b += 0x1F) out.add(bytes(0xC0, b));
    out.add(bytes(0xC0, 0xAF));  // the overlong '/'
    out.add(bytes(0xC1, 0x9C));  // the overlong '\'
    out.add(bytes(0xC1, 0xBF));
    out.add(bytes(0xE0, 0x80, 0x80));
    out.add(bytes(0xE0, 0x81, 0x9C));  // the overlong '\'
    out.add(bytes(0xE0, 0x9F, 0xBF));  // the overlong U+07FF
    out.add(bytes(0xF0, 0x80, 0x80, 0x80));
    out.add(bytes(0xF0, 0x8F, 0xBF, 0xBF));  // the overlong U+FFFF
    // Surrogates encoded in UTF-8 (CESU-8): ED A0..BF.
    out.add(bytes(0xED, 0xA0, 0x80));
    out.add(bytes(0xED, 0xAF, 0xBF));
    out.add(bytes(0xED, 0xB0, 0x80));
    out.add(bytes(0xED, 0xBF, 0xBF));
    out.add(bytes(0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80));  // a pair, as CESU-8
    // Above U+10FFFF: F4 90.., F5..F7 as 4-byte leads, and bytes that lead nothing (F8..FF).
    out.add(bytes(0xF4, 0x90, 0x80, 0x80));
    out.add(bytes(0xF4, 0xBF, 0xBF, 0xBF));
    for (int b = 0xF5; b <= 0xFF; b++) {
      out.add(bytes(b, 0x80, 0x80, 0x80));
      out.add(bytes(b));
    }
    // Lone continuation bytes, and one too many after a complete character.
    for (int b = 0x80; b <= 0xBF; b += 0x0F) out.add(bytes(b));
    out.add(bytes(0xBF));
    out.add(bytes(0xC3, 0xA9, 0xA9));
    out.add(bytes(0xE2, 0x82, 0xAC, 0x80));
    out.add(bytes(0xF0, 0x9F, 0x98, 0x80, 0x80));
    // A continuation byte that is not one (ASCII, a lead byte) in the 2nd, 3rd, 4th position.
    for (int bad : new int[] {0x00, 0x41, 0x5C, 0x7F, 0xC0, 0xC3, 0xE2, 0xF0, 0xFF}) {
      out.add(bytes(0xC3, bad));
      out.add(bytes(0xE2, bad, 0xAC));
      out.add(bytes(0xE2, 0x82, bad));
      out.add(bytes(0xF0, bad, 0x98, 0x80));
      out.add(bytes(0xF0, 0x9F, bad, 0x80));
      out.add(bytes(0xF0, 0x9F, 0x98, bad));
      out.add(bytes(0xF4, 0x8F, 0xBF, bad));
      out.add(bytes(0xED, 0x9F, bad));
    }
    // Cut sequences: every proper prefix of every width's characters (at the end, or followed by ASCII).
    for (int cp : new int[] {0xE9, 0x7FF, 0x800, 0x20AC, 0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF}) {
      byte[] full = utf8(cp);
      for (int len = 1; len < full.length; len++) out.add(java.util.Arrays.copyOf(full, len));
    }
    return out;
  }

  @Test
  void everyInvalidClassAtEveryOffset() {
    List<byte[]> seqs = invalidSequences();
    for (byte[] seq : seqs) {
      assertFalse(jdkValid(seq), () -> "the reference takes " + HEX.formatHex(seq));  // the list is right
      assertFalse(Utf8.scan(seq).valid, () -> HEX.formatHex(seq));
      checkEverywhere(seq, 'a');
      checkEverywhere(seq, '\\');
      // Cut in the middle: followed by a valid multi-byte character.
      checkEverywhere(concat(seq, utf8(0x20AC)), 'q');
      checkEverywhere(concat(utf8(0x1F600), seq), 'q');
    }
  }

  @Test
  void exhaustiveShortArrays() {
    // Every array of 1 and 2 bytes.
    for (int a = 0; a < 256; a++) {
      check(bytes(a));
      for (int b = 0; b < 256; b++) check(bytes(a, b));
    }
    // Every lead byte of 3 and 4 bytes with every second byte, and a third byte around each range's edges.
    int[] thirds = {0x00, 0x41, 0x5C, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF};
    for (int lead = 0xC0; lead < 256; lead++) {
      for (int second = 0; second < 256; second++) {
        for (int third : thirds) {
          check(bytes(lead, second, third));
          check(bytes(lead, second, third, 0x80));
          check(bytes('a', lead, second, third, 0xBF, 'b', 'c', 'd', 'e'));
        }
      }
    }
  }

  @Test
  void longAsciiRunsWithOneBadByteAnywhere() {
    for (int len : new int[] {8, 9, 15, 16, 17, 63, 64, 65, 130}) {
      for (int at = 0; at < len; at++) {
        for (int bad : new int[] {0x80, 0xBF, 0xC0, 0xC3, 0xE2, 0xED, 0xF0, 0xF4, 0xF5, 0xFF}) {
          byte[] b = ascii(len, 'k');
          b[at] = (byte) bad;
          check(b);
        }
        // And one backslash anywhere, which the word-at-a-time path must not skip.
        byte[] b = ascii(len, 'k');
        b[at] = '\\';
        Utf8.Scan s = Utf8.scan(b);
        assertTrue(s.valid && s.backslash, "a backslash at " + at + " of " + len);
        // Bytes next to the backslash (0x5B, 0x5D) and its bit patterns elsewhere must not be taken for it.
        b[at] = (byte) (at % 2 == 0 ? 0x5B : 0x5D);
        assertFalse(Utf8.scan(b).backslash, "no backslash, " + at + " of " + len);
        b[at] = (byte) 0xDC;  // 0x5C | 0x80: a lead byte, then ASCII: invalid
        check(b);
      }
    }
    // ASCII only, every length up to a few words: valid, no backslash.
    for (int len = 0; len < 40; len++) {
      Utf8.Scan s = Utf8.scan(ascii(len, '{'));
      assertTrue(s.valid && !s.backslash);
    }
  }

  @Test
  void seededRandomFuzz() {
    Random rnd = new Random(20240611L);
    byte[] alphabet = concat(ascii(1, 'a'), ascii(1, '\\'), ascii(1, '"'), bytes(0x00, 0x7F),
        utf8(0xE9), utf8(0x20AC), utf8(0x1F600), utf8(0x10FFFF), utf8(0x2028));
    int invalid = 0, valid = 0;
    for (int n = 0; n < 20_000; n++) {
      byte[] b;
      switch (n % 4) {
        case 0 -> {  // random bytes: mostly invalid
          b = new byte[rnd.nextInt(40)];
          rnd.nextBytes(b);
        }
        case 1 -> {  // valid text with one byte changed, inserted or removed
          StringBuilder t = new StringBuilder();
          int chars = 1 + rnd.nextInt(30);
          for (int k = 0; k < chars; k++) {
            int cp = switch (rnd.nextInt(5)) {
              case 0 -> 0x80 + rnd.nextInt(0x780);
              case 1 -> 0x800 + rnd.nextInt(0xD000);
              case 2 -> 0x10000 + rnd.nextInt(0x100000);
              case 3 -> '\\';
              default -> rnd.nextInt(0x80);
            };
            t.appendCodePoint(cp);
          }
          byte[] v = t.toString().getBytes(StandardCharsets.UTF_8);
          int at = rnd.nextInt(v.length);
          b = switch (rnd.nextInt(6)) {  // half of them left valid
            case 0 -> {
              v[at] = (byte) rnd.nextInt(256);
              yield v;
            }
            case 1 -> concat(java.util.Arrays.copyOf(v, at), bytes(rnd.nextInt(256)),
                java.util.Arrays.copyOfRange(v, at, v.length));
            case 2 -> concat(java.util.Arrays.copyOf(v, at), java.util.Arrays.copyOfRange(v, at + 1, v.length));
            default -> v;
          };
        }
        case 2 -> {  // pieces of an alphabet of ASCII, backslashes and characters of every width
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          int pieces = rnd.nextInt(50);
          for (int k = 0; k < pieces; k++) {
            int from = rnd.nextInt(alphabet.length);
            out.write(alphabet, from, 1 + rnd.nextInt(Math.min(4, alphabet.length - from)));
          }
          b = out.toByteArray();
        }
        default -> {  // long ASCII with a few random bytes
          b = ascii(rnd.nextInt(100), 'm');
          for (int k = 0; k < 3 && b.length > 0; k++) b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
        }
      }
      check(b);
      if (jdkValid(b)) valid++; else invalid++;
    }
    // Both outcomes are common, so the comparison tested both.
    assertTrue(valid > 3000 && invalid > 3000, "valid " + valid + ", invalid " + invalid);
  }

  @Test
  void scanResultOfAnInvalidMessageSaysNoBackslash() {
    Utf8.Scan s = Utf8.scan(concat(ascii(3, '\\'), bytes(0xFF)));
    assertFalse(s.valid);
    assertFalse(s.backslash);
    Utf8.Scan empty = Utf8.scan(new byte[0]);
    assertTrue(empty.valid);
    assertFalse(empty.backslash);
  }

  // --- lone surrogate escapes ------------------------------------------------------------------------------------

  static byte[] text(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void loneSurrogateEscapeExamples() {
    // Lone: a high half alone, at the end, before something else than a low escape; a low half first.
    String[] lone = {
        "\"\\uD800\"", "\\uD800", "\\ud800", "\\uDBFF", "\\uDC00", "\\udfff", "x\\uD83Dy", "\\uD83D\\u0041",
        "\\uD83D\\uD83D\\uDE00", "\\uDE00\\uD83D", "\\uD83D\\n\\uDE00", "\\uD83D\\\\uDE00", "\\uD83D\\u",
        "\\uD83D\\uDE0", "\\\\\\uD800", "\\uD83D\\uDE00\\uDE00", "\\uD83D" + "\uD83D\uDE00", "\uD83D\uDE00\\uDE00",
        "{\"a\":\"\\uD800\",\"b\":\"\\uDC00\"}", "\\uDBFF\\uDBFF",
    };
    String[] fine = {
        "", "plain", "\\uD83D\\uDE00", "\\ud83d\\ude00", "\\uDBFF\\uDFFF", "\\uD800\\uDC00", "\\\\uD800",
        "\\\\uDC00", "\\\\\\\\uD800", "\\u0041\\u00e9\\uFFFF\\uD7FF\\uE000", "\\n\\t\\\"\\/", "\uD83D\uDE00",
        "\\uD83D\\uDE00\\uD83D\\uDE00", "{\"k\\uD83D\\uDE00\":\"\\\\uD800\"}", "\\\\\\uD83D\\uDE00", "\\",
    };
    for (String s : lone) {
      assertTrue(referenceLoneSurrogate(text(s)), () -> "reference: " + s);
      assertTrue(Utf8.hasLoneSurrogateEscape(text(s)), () -> s);
    }
    for (String s : fine) {
      assertFalse(referenceLoneSurrogate(text(s)), () -> "reference: " + s);
      assertFalse(Utf8.hasLoneSurrogateEscape(text(s)), () -> s);
    }
  }

  @Test
  void loneSurrogateEscapesFuzz() {
    Random rnd = new Random(99);
    int lone = 0;
    for (int n = 0; n < 20_000; n++) {
      StringBuilder t = new StringBuilder();
      int pieces = rnd.nextInt(12);
      for (int k = 0; k < pieces; k++) {
        switch (rnd.nextInt(9)) {
          case 0 -> t.append("\\\\");                     // an escaped backslash
          case 1 -> t.append('\\').append("nrtbf\"/\\".charAt(rnd.nextInt(8)));
          case 2, 3, 4 -> {                                // a \\u escape, mostly of a surrogate
            int unit = rnd.nextInt(4) == 0 ? rnd.nextInt(0x10000) : 0xD800 + rnd.nextInt(0x800);
            String hex = String.format(java.util.Locale.ROOT, "%04x", unit);
            t.append("\\u").append(rnd.nextBoolean() ? hex : hex.toUpperCase(java.util.Locale.ROOT));
          }
          case 5 -> t.append("\\uD83D\\uDE00");           // a pair
          case 6 -> t.appendCodePoint(0x1F600);            // a raw supplementary character
          case 7 -> t.append("u");                         // the letter u, after a backslash or not
          default -> t.append((char) ('a' + rnd.nextInt(26)));
        }
      }
      byte[] b = text(t.toString());
      boolean want = referenceLoneSurrogate(b);
      if (want) lone++;
      if (Utf8.hasLoneSurrogateEscape(b) != want) fail("expected " + want + " for " + t);
      // And as a Java string decoded from the JSON string literal: lone exactly when unpaired surrogates remain.
      assertEquals(want, hasUnpairedSurrogate(decodeJsonString(t.toString())), t::toString);
    }
    assertTrue(lone > 5000 && lone < 15000, "lone " + lone);
  }

  /** The text as the content of a JSON string literal: escapes decoded (another reference of the same thing). */
  static String decodeJsonString(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '\\') {
        out.append(c);
        continue;
      }
      char e = s.charAt(++i);
      switch (e) {
        case 'u' -> {
          out.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
          i += 4;
        }
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        default -> out.append(e);
      }
    }
    return out.toString();
  }

  static boolean hasUnpairedSurrogate(CharSequence s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        return true;
      }
      if (Character.isLowSurrogate(c)) return true;
    }
    return false;
  }

  @Test
  void decodedTextRoundTripsExactlyWhenNoSurrogateIsLone() {
    // The point of the check: a Java string with a lone surrogate does not survive UTF-8.
    String pair = decodeJsonString("\\uD83D\\uDE00");
    assertEquals(pair, new String(pair.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
    String lone = decodeJsonString("\\uD83D");
    assertFalse(lone.equals(new String(lone.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)));
  }
}
