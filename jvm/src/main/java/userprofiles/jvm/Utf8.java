package userprofiles.jvm;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Byte-level checks of a message, before and beside its parse. */
final class Utf8 {
  private Utf8() {}

  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long HIGH_BITS = 0x8080808080808080L;
  private static final long ONES = 0x0101010101010101L;
  private static final long BACKSLASHES = 0x5C5C5C5C5C5C5C5CL;

  /** What one pass over a message found. */
  static final class Scan {
    final boolean valid;
    final boolean backslash;

    Scan(boolean valid, boolean backslash) {
      this.valid = valid;
      this.backslash = backslash;
    }
  }

  private static final Scan INVALID = new Scan(false, false);
  private static final Scan PLAIN = new Scan(true, false);
  private static final Scan ESCAPES = new Scan(true, true);

  /**
   * Whether the bytes are well-formed UTF-8 (Unicode's table 3-7: no overlong forms, no encoded surrogates,
   * nothing above U+10FFFF, no cut sequence), and whether they hold a backslash (so may hold escapes). Eight
   * bytes at a time while they are ASCII without a backslash, the common case.
   */
  static Scan scan(byte[] b) {
    int i = 0;
    int n = b.length;
    boolean backslash = false;
    while (i < n) {
      if (i + 8 <= n) {
        long w = (long) LONGS.get(b, i);
        long x = w ^ BACKSLASHES;
        if ((w & HIGH_BITS) == 0 && ((x - ONES) & ~x & HIGH_BITS) == 0) {
          i += 8;
          continue;
        }
      }
      int c = b[i];
      if (c >= 0) {
        backslash |= c == '\\';
        i++;
        continue;
      }
      c &= 0xFF;
      int need;
      int lo = 0x80;
      int hi = 0xBF;
      if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
      } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        if (c == 0xE0) lo = 0xA0;  // overlong
        if (c == 0xED) hi = 0x9F;  // a surrogate
      } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        if (c == 0xF0) lo = 0x90;  // overlong
        if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
      } else {
        return INVALID;
      }
      if (i + need >= n) return INVALID;  // cut short
      int second = b[i + 1] & 0xFF;
      if (second < lo || second > hi) return INVALID;
      for (int k = 2; k <= need; k++) {
        int cont = b[i + k] & 0xFF;
        if (cont < 0x80 || cont > 0xBF) return INVALID;
      }
      i += need + 1;
    }
    return backslash ? ESCAPES : PLAIN;
  }

  /**
   * True when the text holds a JSON escape of a UTF-16 surrogate that is not half of a pair ("\\ud800"
   * alone, or a low one first): Java keeps it in a String but writes it as "?" in UTF-8, so a row would not
   * be what was sent. An escaped backslash ("\\\\") is skipped whole, so "\\\\ud800" is no escape.
   */
  static boolean hasLoneSurrogateEscape(byte[] b) {
    return loneSurrogateEscapes(b, null);
  }

  /**
   * A copy of the text whose lone surrogate escapes are "\\uFFFD" (of the same length), or the text itself
   * when it has none: what the text would be as JSON without them.
   */
  static byte[] withoutLoneSurrogateEscapes(byte[] b) {
    byte[] out = b.clone();
    return loneSurrogateEscapes(b, out) ? out : b;
  }

  private static final byte[] REPLACEMENT = {'F', 'F', 'F', 'D'};

  /** Whether B has a lone surrogate escape; with OUT (a copy of B), each one's 4 hex digits replaced there. */
  private static boolean loneSurrogateEscapes(byte[] b, byte[] out) {
    int n = b.length;
    boolean found = false;
    for (int i = 0; i < n; i++) {
      if (b[i] != '\\') continue;
      if (i + 1 < n && b[i + 1] == 'u') {
        int unit = hex4(b, i + 2);
        boolean lone = unit >= 0xDC00 && unit <= 0xDFFF;  // a low half without its high half
        if (unit >= 0xD800 && unit <= 0xDBFF) {
          int next = i + 6 < n - 1 && b[i + 6] == '\\' && b[i + 7] == 'u' ? hex4(b, i + 8) : -1;
          if (next >= 0xDC00 && next <= 0xDFFF) {
            i += 11;  // the pair
            continue;
          }
          lone = true;
        }
        if (lone) {
          if (out == null) return true;
          System.arraycopy(REPLACEMENT, 0, out, i + 2, 4);
          found = true;
        }
        i += 5;
        continue;
      }
      i++;  // any other escape, an escaped backslash included
    }
    return found;
  }

  /** The value of 4 hex digits at b[at], or -1. */
  private static int hex4(byte[] b, int at) {
    if (at + 4 > b.length) return -1;
    int v = 0;
    for (int k = 0; k < 4; k++) {
      int d = Character.digit(b[at + k], 16);
      if (d < 0) return -1;
      v = v * 16 + d;
    }
    return v;
  }
}
