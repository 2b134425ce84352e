package userprofiles.jvm;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Random messages for StrictJsonTest: a user record of the schema (every field present, absent or null, in any
 * order, with unknown fields beside them), written with random white space and escapes, then, or not, spoiled
 * in one or a few ways: a duplicate key at any depth, a wrong JSON type, a lone surrogate escape, JSON that
 * only a lenient parser reads (NaN, comments, single quotes, trailing commas, leading zeros ...), a raw control
 * character or line terminator, content after the object, another shape, invalid UTF-8. The generator does not
 * say what a message should give: RefJson does.
 */
final class JsonDocs {
  /** An object whose keys may repeat. */
  static final class Obj {
    final List<String> names = new ArrayList<>();
    final List<Object> values = new ArrayList<>();

    Obj put(String name, Object value) {
      names.add(name);
      values.add(value);
      return this;
    }
  }

  private final Random rnd;
  private final StructType schema;

  JsonDocs(long seed, StructType schema) {
    this.rnd = new Random(seed);
    this.schema = schema;
  }

  // --- values ----------------------------------------------------------------------------------------------------

  /** A code point of any UTF-8 width, or a character JSON must escape. */
  int codePoint() {
    return switch (rnd.nextInt(16)) {
      case 0 -> 0x20 + rnd.nextInt(0x5F);                       // printable ASCII
      case 1 -> "\"\\/'".charAt(rnd.nextInt(4));                  // quote, backslash, slash, apostrophe
      case 2 -> rnd.nextInt(0x20);                                // a control character (escaped)
      case 3 -> 0x7F;
      case 4 -> 0x80 + rnd.nextInt(0x780);                       // 2 bytes
      case 5 -> 0x85;                                             // NEL
      case 6 -> 0x800 + rnd.nextInt(0xD800 - 0x800);             // 3 bytes, below the surrogates
      case 7 -> 0xE000 + rnd.nextInt(0x2000);                    // 3 bytes, above them
      case 8 -> rnd.nextBoolean() ? 0x2028 : 0x2029;             // LS, PS
      case 9 -> new int[] {0xFEFF, 0xFFFD, 0xFFFF, 0xD7FF}[rnd.nextInt(4)];
      case 10, 11 -> 0x10000 + rnd.nextInt(0x100000);            // 4 bytes
      default -> 'a' + rnd.nextInt(26);
    };
  }

  String text(int maxLen) {
    StringBuilder b = new StringBuilder();
    int n = rnd.nextInt(maxLen + 1);
    for (int k = 0; k < n; k++) b.appendCodePoint(codePoint());
    return b.toString();
  }

  String name() {
    return rnd.nextInt(3) == 0 ? text(6) : "k" + rnd.nextInt(5) + (rnd.nextBoolean() ? "" : text(3));
  }

  RefJson.Num number() {
    return new RefJson.Num(switch (rnd.nextInt(12)) {
      case 0 -> "0";
      case 1 -> "-0";
      case 2 -> Integer.toString(rnd.nextInt());
      case 3 -> Long.toString(rnd.nextLong());
      case 4 -> "2147483647";
      case 5 -> "-2147483648";
      case 6 -> "2147483648";
      case 7 -> "123456789012345678901234567890";
      case 8 -> rnd.nextInt(1000) + "." + rnd.nextInt(1000);
      case 9 -> "-" + rnd.nextInt(10) + "e" + (rnd.nextBoolean() ? "+" : "-") + rnd.nextInt(20);
      case 10 -> rnd.nextInt(10) + "E" + rnd.nextInt(20);
      default -> Integer.toString(rnd.nextInt(200));
    });
  }

  /** Any JSON value (an unknown field's, or a wrong type's). */
  Object anyValue(int depth) {
    int k = rnd.nextInt(depth > 3 ? 5 : 8);
    return switch (k) {
      case 0 -> text(8);
      case 1 -> number();
      case 2 -> rnd.nextBoolean();
      case 3 -> RefJson.NULL;
      case 4 -> text(3);
      case 5 -> {
        List<Object> a = new ArrayList<>();
        int n = rnd.nextInt(4);
        for (int i = 0; i < n; i++) a.add(anyValue(depth + 1));
        yield a;
      }
      default -> {
        Obj o = new Obj();
        int n = rnd.nextInt(4);
        for (int i = 0; i < n; i++) {
          String name = name();
          if (!o.names.contains(name)) o.put(name, anyValue(depth + 1));
        }
        yield o;
      }
    };
  }

  /** A record of the schema: each field mostly present with its type, sometimes absent or null; unknown fields. */
  Obj record(StructType t, int depth) {
    Obj o = new Obj();
    List<StructField> fields = new ArrayList<>(List.of(t.fields()));
    if (rnd.nextInt(3) == 0) java.util.Collections.shuffle(fields, rnd);
    for (StructField f : fields) {
      int r = rnd.nextInt(20);
      if (r == 0) continue;  // absent
      if (r == 1) {
        o.put(f.name(), RefJson.NULL);
        continue;
      }
      Object v;
      if (f.dataType() instanceof StructType st) {
        v = record(st, depth + 1);
      } else if (f.dataType().equals(DataTypes.IntegerType)) {
        v = new RefJson.Num(Integer.toString(rnd.nextInt(3) == 0 ? rnd.nextInt() : rnd.nextInt(120)));
      } else {
        v = text(12);
      }
      o.put(f.name(), v);
    }
    int unknown = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(3) : 0;
    for (int k = 0; k < unknown; k++) {
      String name = name();
      if (!o.names.contains(name)) o.values.add(insertAt(o, name), anyValue(depth + 1));
    }
    return o;
  }

  private int insertAt(Obj o, String name) {
    int at = rnd.nextInt(o.names.size() + 1);
    o.names.add(at, name);
    return at;
  }

  // --- spoiling the tree -----------------------------------------------------------------------------------------

  /** Every object of the tree (the root, records, unknown values, objects in arrays). */
  static void objects(Object v, List<Obj> out) {
    if (v instanceof Obj o) {
      out.add(o);
      for (Object c : o.values) objects(c, out);
    } else if (v instanceof List<?> l) {
      for (Object c : l) objects(c, out);
    }
  }

  /** Every string of the tree, as (holder, index, isKey). */
  static void strings(Object v, List<Object[]> out) {
    if (v instanceof Obj o) {
      for (int k = 0; k < o.names.size(); k++) {
        out.add(new Object[] {o, k, true});
        if (o.values.get(k) instanceof String) out.add(new Object[] {o, k, false});
        strings(o.values.get(k), out);
      }
    } else if (v instanceof List<?> l) {
      for (Object c : l) strings(c, out);
    }
  }

  void duplicate(Obj root) {
    List<Obj> all = new ArrayList<>();
    objects(root, all);
    Obj o = all.get(rnd.nextInt(all.size()));
    if (o.names.isEmpty()) o.put(name(), anyValue(2));
    String name = o.names.get(rnd.nextInt(o.names.size()));
    Object value = rnd.nextBoolean() ? anyValue(2) : o.values.get(o.names.indexOf(name));
    o.values.add(insertAt(o, name), value);
  }

  /** A field of the schema (at some depth) given a value of another JSON type, or null. */
  void wrongType(Obj root) {
    Obj o = root;
    StructType t = schema;
    while (true) {
      StructField f = t.fields()[rnd.nextInt(t.fields().length)];
      int at = o.names.indexOf(f.name());
      if (f.dataType() instanceof StructType st && at >= 0 && o.values.get(at) instanceof Obj child
          && rnd.nextBoolean()) {
        o = child;
        t = st;
        continue;
      }
      Object v;
      if (f.dataType() instanceof StructType) {
        v = switch (rnd.nextInt(5)) {
          case 0 -> text(5);
          case 1 -> number();
          case 2 -> List.of(record((StructType) f.dataType(), 3));
          case 3 -> rnd.nextBoolean();
          default -> RefJson.NULL;
        };
      } else if (f.dataType().equals(DataTypes.IntegerType)) {
        v = switch (rnd.nextInt(6)) {
          case 0 -> text(3);
          case 1 -> new RefJson.Num(rnd.nextInt(100) + ".0");
          case 2 -> new RefJson.Num(rnd.nextBoolean() ? "2147483648" : "-2147483649");
          case 3 -> new RefJson.Num("1e2");
          case 4 -> anyValue(3);
          default -> new RefJson.Num("-0");
        };
      } else {
        v = switch (rnd.nextInt(5)) {
          case 0 -> number();
          case 1 -> rnd.nextBoolean();
          case 2 -> new ArrayList<>(List.of(text(3), number()));
          case 3 -> new Obj().put("a", text(3)).put("b", List.of(true, RefJson.NULL));
          default -> anyValue(3);
        };
      }
      if (at >= 0) o.values.set(at, v); else o.put(f.name(), v);
      return;
    }
  }

  /**
   * A lone surrogate (or a reversed pair) in a random string value; the writer must escape it. Not in a key:
   * Jackson refuses that as a parse error (see StrictJsonTest.aLoneSurrogateEscapeInAKeyIsNotAParseError).
   */
  void loneSurrogate(Obj root) {
    List<Object[]> all = new ArrayList<>();
    strings(root, all);
    all.removeIf(s -> (boolean) s[2]);
    if (all.isEmpty()) {
      root.put("k", "");
      strings(root, all);
      all.removeIf(s -> (boolean) s[2]);
    }
    Object[] s = all.get(rnd.nextInt(all.size()));
    Obj o = (Obj) s[0];
    int k = (Integer) s[1];
    String old = (boolean) s[2] ? o.names.get(k) : (String) o.values.get(k);
    int at = old.offsetByCodePoints(0, rnd.nextInt(old.codePointCount(0, old.length()) + 1));
    String lone = switch (rnd.nextInt(4)) {
      case 0 -> "\uD800";
      case 1 -> "\uDFFF";
      case 2 -> "\uDE00\uD83D";
      default -> String.valueOf((char) (0xD800 + rnd.nextInt(0x800)));
    };
    String changed = old.substring(0, at) + lone + old.substring(at);
    if ((boolean) s[2]) o.names.set(k, changed); else o.values.set(k, changed);
  }

  // --- writing ---------------------------------------------------------------------------------------------------

  /** The text being written and the places where it may be spoiled (indices into it). */
  final class Writer {
    final StringBuilder b = new StringBuilder();
    final List<Integer> wsSlots = new ArrayList<>();      // between tokens, inside the root
    final List<Integer> stringSlots = new ArrayList<>();  // between two characters of a string or key
    final List<Integer> closeSlots = new ArrayList<>();   // just before the } or ] of a container
    final List<Integer> colons = new ArrayList<>();
    final List<Integer> commas = new ArrayList<>();
    final List<int[]> scalars = new ArrayList<>();        // [start, end) of a number, literal or string value
    final List<int[]> keys = new ArrayList<>();           // [start, end) of a key, its quotes included
    final int style = rnd.nextInt(4);                      // 0: compact, 1: spaces, 2: pretty, 3: random

    void ws() {
      String w = switch (style) {
        case 0 -> "";
        case 1 -> " ";
        case 2 -> "\n  ";
        default -> new String[] {"", "", " ", "\t", "\n", "\r", "\r\n", " \r\n\t "}[rnd.nextInt(8)];
      };
      b.append(w);
      wsSlots.add(b.length());
    }

    void value(Object v) {
      if (v instanceof Obj o) {
        b.append('{');
        ws();
        for (int k = 0; k < o.names.size(); k++) {
          if (k > 0) {
            commas.add(b.length());
            b.append(',');
            ws();
          }
          int start = b.length();
          string(o.names.get(k));
          keys.add(new int[] {start, b.length()});
          ws();
          colons.add(b.length());
          b.append(':');
          ws();
          value(o.values.get(k));
          ws();
        }
        closeSlots.add(b.length());
        b.append('}');
      } else if (v instanceof List<?> l) {
        b.append('[');
        ws();
        for (int k = 0; k < l.size(); k++) {
          if (k > 0) {
            commas.add(b.length());
            b.append(',');
            ws();
          }
          value(l.get(k));
          ws();
        }
        closeSlots.add(b.length());
        b.append(']');
      } else {
        int start = b.length();
        if (v instanceof String s) {
          string(s);
        } else if (v instanceof RefJson.Num n) {
          b.append(n.text());
        } else {
          b.append(v);  // true, false, null
        }
        scalars.add(new int[] {start, b.length()});
      }
    }

    /** A string, with escapes chosen at random (a lone surrogate always escaped, as UTF-8 cannot hold it). */
    void string(String s) {
      b.append('"');
      stringSlots.add(b.length());
      for (int k = 0; k < s.length(); k++) {
        char c = s.charAt(k);
        boolean pair = Character.isHighSurrogate(c) && k + 1 < s.length() && Character.isLowSurrogate(s.charAt(k + 1));
        if (pair) {
          if (rnd.nextInt(4) == 0) {
            escape(c);
            escape(s.charAt(k + 1));
          } else {
            b.append(c).append(s.charAt(k + 1));
          }
          k++;
        } else if (Character.isSurrogate(c)) {
          escape(c);
        } else if (c == '"' || c == '\\') {
          b.append('\\').append(c);
        } else if (c < 0x20) {
          String shortForm = switch (c) {
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            case '\b' -> "\\b";
            case '\f' -> "\\f";
            default -> null;
          };
          if (shortForm != null && rnd.nextBoolean()) b.append(shortForm); else escape(c);
        } else if (c == '/' && rnd.nextBoolean()) {
          b.append("\\/");
        } else if (rnd.nextInt(12) == 0) {
          escape(c);
        } else {
          b.append(c);
        }
        stringSlots.add(b.length());
      }
      b.append('"');
    }

    private void escape(char c) {
      String hex = String.format(java.util.Locale.ROOT, "%04x", (int) c);
      b.append("\\u").append(rnd.nextBoolean() ? hex : hex.toUpperCase(java.util.Locale.ROOT));
    }
  }

  // --- messages --------------------------------------------------------------------------------------------------

  /** What was done to a message (for the coverage count and the failure messages). */
  final List<String> spoils = new ArrayList<>();

  byte[] next() {
    spoils.clear();
    Obj root = record(schema, 0);
    // r picks the kind of message: 66..89 a record as generated; 90..99 several spoils of the tree together.
    int r = rnd.nextInt(100);
    boolean combo = r >= 90;
    boolean textSpoil = r >= 34 && r < 62;
    if (r < 10 || (combo && rnd.nextBoolean()) || (textSpoil && rnd.nextInt(4) == 0)) {
      spoil("duplicate", () -> duplicate(root));
    }
    if ((r >= 10 && r < 22) || (combo && rnd.nextBoolean())) {
      spoil("wrong type", () -> wrongType(root));
      if (rnd.nextInt(3) == 0) wrongType(root);
    }
    if ((r >= 22 && r < 27) || (combo && rnd.nextBoolean()) || (textSpoil && rnd.nextInt(8) == 0)) {
      spoil("lone surrogate", () -> loneSurrogate(root));
    }
    Object top = root;
    if (r >= 27 && r < 30) {
      spoils.add("another shape");
      top = switch (rnd.nextInt(6)) {
        case 0 -> List.of(root);
        case 1 -> text(5);
        case 2 -> number();
        case 3 -> true;
        case 4 -> RefJson.NULL;
        default -> new ArrayList<>();
      };
    }
    Writer w = new Writer();
    if (rnd.nextInt(8) == 0) w.b.append(new String[] {" ", "\n", "\r\n", "\t"}[rnd.nextInt(4)]);
    int leading = w.b.length();
    w.value(top);
    int rootEnd = w.b.length();
    // Text after the object: JSON values only (RefJson says which text it treats as garbage).
    if (r >= 30 && r < 34) {
      spoils.add("content after");
      w.b.append(new String[] {"", " ", "\n", "\r\n"}[rnd.nextInt(4)]);
      Writer after = new Writer();
      after.value(rnd.nextBoolean() ? anyValue(1) : record(schema, 0));
      w.b.append(after.b);
    }
    if (rnd.nextInt(4) == 0) w.b.append(new String[] {" ", "\n", "\r\n", "\t", "\r"}[rnd.nextInt(5)]);
    String text = w.b.toString();
    if (textSpoil) text = spoilText(w, text, leading, rootEnd);
    if (rnd.nextInt(30) == 0) {
      spoils.add("byte order mark");
      text = "\uFEFF" + text;
    }
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (r >= 62 && r < 66) bytes = spoilBytes(bytes);
    return bytes;
  }

  private void spoil(String what, Runnable r) {
    spoils.add(what);
    r.run();
  }

  private int pick(List<Integer> slots) {
    return slots.get(rnd.nextInt(slots.size()));
  }

  private String insert(String text, int at, String what) {
    return text.substring(0, at) + what + text.substring(at);
  }

  /** One change of the text inside the root (not after it: RefJson's content after is JSON values only). */
  private String spoilText(Writer w, String text, int leading, int rootEnd) {
    int kind = rnd.nextInt(13);
    switch (kind) {
      case 0 -> {  // a line terminator or space character that JSON's white space does not include
        String bad = new String[] {"\u0085", "\u2028", "\u2029", "\u00A0", "\uFEFF", "\u000B", "\u000C", "\u3000"}
            [rnd.nextInt(8)];
        spoils.add("white space " + Integer.toHexString(bad.charAt(0)));
        List<Integer> slots = new ArrayList<>(w.wsSlots);
        slots.add(leading);
        return insert(text, pick(slots), bad);
      }
      case 1 -> {
        spoils.add("comment");
        return insert(text, pick(w.wsSlots), new String[] {"/* c */", "// c\n", "# c\n", "/**/"}[rnd.nextInt(4)]);
      }
      case 2 -> {
        spoils.add("trailing comma");
        return insert(text, pick(w.closeSlots), ",");
      }
      case 3, 4 -> {
        if (w.scalars.isEmpty()) return text;
        int[] span = w.scalars.get(rnd.nextInt(w.scalars.size()));
        String v = new String[] {"NaN", "Infinity", "-Infinity", "+1", "01", "-01", ".5", "1.", "1e", "0x10",
            "'single'", "undefined", "tru", "True", "nul", "\"cut", "\"a\" \"b\"", "1 2", "--1", "1e+", "-"}
            [rnd.nextInt(21)];
        spoils.add("value " + v);
        return text.substring(0, span[0]) + v + text.substring(span[1]);
      }
      case 5, 6 -> {  // a raw character inside a string: control characters are not JSON, the others are
        String raw = new String[] {"\n", "\r", "\r\n", "\t", "\u0000", "\u001F", "\b", "\u0085", "\u2028", "\u2029",
            "\u007F", "\uFEFF"}[rnd.nextInt(12)];
        spoils.add("raw " + Integer.toHexString(raw.charAt(0)) + " in a string");
        return insert(text, pick(w.stringSlots), raw);
      }
      case 7 -> {
        spoils.add("no colon");
        int at = pick(w.colons);
        return text.substring(0, at) + text.substring(at + 1);
      }
      case 8 -> {
        if (w.commas.isEmpty()) return text;
        spoils.add("no comma");
        int at = pick(w.commas);
        return text.substring(0, at) + text.substring(at + 1);
      }
      case 9 -> {
        if (w.keys.isEmpty()) return text;
        int[] key = w.keys.get(rnd.nextInt(w.keys.size()));
        String inner = text.substring(key[0] + 1, key[1] - 1);
        boolean single = rnd.nextBoolean() && !inner.contains("'");
        spoils.add(single ? "single-quoted key" : "unquoted key");
        String q = single ? "'" : "";
        return text.substring(0, key[0]) + q + inner + q + text.substring(key[1]);
      }
      case 10 -> {
        spoils.add("bad escape");
        return insert(text, pick(w.stringSlots), new String[] {"\\x", "\\'", "\\u12G4", "\\U0041", "\\a", "\\0"}
            [rnd.nextInt(6)]);
      }
      case 11 -> {
        spoils.add("cut");
        int at = leading + rnd.nextInt(rootEnd - leading);
        // Not inside a surrogate pair: the text stays valid UTF-16.
        if (at > 0 && Character.isLowSurrogate(text.charAt(at))) at--;
        return text.substring(0, at);
      }
      default -> {
        spoils.add("valid white space");
        return insert(text, pick(w.wsSlots), new String[] {" ", "\t", "\n", "\r", "\r\n"}[rnd.nextInt(5)]);
      }
    }
  }

  /** Invalid UTF-8 somewhere: an ill-formed sequence inserted, a byte of a character changed, a character cut. */
  private byte[] spoilBytes(byte[] b) {
    spoils.add("invalid UTF-8");
    int at = rnd.nextInt(b.length + 1);
    int[][] bad = {{0xC0, 0xAF}, {0xC1, 0x81}, {0xE0, 0x80, 0xAF}, {0xF0, 0x80, 0x80, 0xAF}, {0xED, 0xA0, 0x80},
        {0xED, 0xBF, 0xBF}, {0xF4, 0x90, 0x80, 0x80}, {0xF5, 0x80, 0x80, 0x80}, {0xFF}, {0xFE}, {0x80}, {0xBF},
        {0xC3}, {0xE2, 0x82}, {0xF0, 0x9F, 0x98}};
    int[] seq = bad[rnd.nextInt(bad.length)];
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(b, 0, at);
    for (int x : seq) out.write(x);
    out.write(b, at, b.length - at);
    return out.toByteArray();
  }
}
