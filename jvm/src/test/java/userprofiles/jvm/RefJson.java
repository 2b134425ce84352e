package userprofiles.jvm;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The reference of StrictJsonTest: a strict JSON parser (RFC 8259) written for the test, sharing nothing with
 * StrictJson, and StrictJson's contract stated on its result. For a message, in this order:
 * <ol>
 *   <li>not well-formed UTF-8 (the JDK's decoder): "message is not UTF-8";
 *   <li>after an optional byte order mark (RFC 8259 lets a parser ignore it) and white space (space, tab, LF,
 *       CR only), not an object, or an object that is not JSON up to the point where reading stops:
 *       "not a JSON object". Reading stops at the first duplicate key (which Jackson, like this parser, meets
 *       once it has read the name, its colon and the first token of its value) or at the object's end;
 *   <li>a \\u escape of a lone UTF-16 surrogate in any string of the message (keys included);
 *   <li>a duplicate key, or anything but white space after the object: "not valid JSON";
 *   <li>an object field (of the schema) holding another type than an object, an integer field another value
 *       than an integer literal in int's range: "a field has the wrong JSON type";
 *   <li>a field of stringFields holding another type than a string: "not a JSON string: PATH", the first such
 *       in stringFields' order.
 * </ol>
 * Beyond JSON's grammar, Jackson's default limits (StreamReadConstraints): nesting deeper than 1000 objects
 * and arrays, or a number of more than 1000 characters, is "not a JSON object". For a record, {@code user} is the schema's struct with the used fields'
 * values: a string field's string, or for a string field outside stringFields the compact JSON text of any
 * other value (as from_json and Jackson's generator write it); unused fields are null.
 */
final class RefJson {
  static final int MAX_DEPTH = 1000;
  static final int MAX_NUMBER_LENGTH = 1000;

  /** JSON's null (Java's null stands for an absent field). */
  static final Object NULL = new Object() {
    @Override
    public String toString() {
      return "null";
    }
  };

  /** A number, as its literal. */
  record Num(String text) {
    boolean isInteger() {
      return text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0;
    }

    boolean isInt32() {
      if (!isInteger()) return false;
      BigInteger v = new BigInteger(text);
      return v.bitLength() < 32;
    }
  }

  /** The reason (null for a record) and, for a record, the user struct as nested lists. */
  record Verdict(String reason, List<Object> user, boolean trailingGarbage) {}

  static final class Syntax extends Exception {
    private static final long serialVersionUID = 1L;

    Syntax(String what, int at) {
      super(what + " at " + at, null, false, false);
    }
  }

  static final class Duplicate extends Exception {
    private static final long serialVersionUID = 1L;

    Duplicate() {
      super(null, null, false, false);
    }
  }

  private final String s;
  private int i;
  private int depth;
  private boolean duplicatesAllowed;

  private RefJson(String s, int start) {
    this.s = s;
    this.i = start;
  }

  // --- the verdict -----------------------------------------------------------------------------------------------

  static Verdict expect(byte[] message, StructType schema, String[] stringFields, Set<String> used) {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(message)).toString();
    } catch (CharacterCodingException e) {
      return new Verdict(StrictJson.NOT_UTF8, null, false);
    }
    RefJson p = new RefJson(text, text.startsWith("\uFEFF") ? 1 : 0);
    p.ws();
    if (p.i >= text.length() || text.charAt(p.i) != '{') return new Verdict(StrictJson.NOT_OBJECT, null, false);
    Object root = null;
    boolean duplicate = false;
    try {
      root = p.value();
    } catch (Syntax e) {
      return new Verdict(StrictJson.NOT_OBJECT, null, false);
    } catch (Duplicate e) {
      duplicate = true;
    }
    boolean trailing = false;
    boolean garbage = false;
    if (!duplicate) {
      p.ws();
      trailing = p.i < text.length();
      if (trailing) garbage = !p.onlyValuesFollow();
    }
    if (hasLoneSurrogateInStrings(text)) return new Verdict(StrictJson.LONE_SURROGATE, null, garbage);
    if (duplicate || trailing) return new Verdict(StrictJson.NOT_STRICT, null, garbage);
    @SuppressWarnings("unchecked")
    Map<String, Object> obj = (Map<String, Object>) root;
    int[] firstNotString = {Integer.MAX_VALUE};
    boolean[] wrongType = {false};
    checkTypes(schema, obj, "", Arrays.asList(stringFields), wrongType, firstNotString);
    String reason = wrongType[0] ? StrictJson.WRONG_TYPE
        : firstNotString[0] != Integer.MAX_VALUE ? StrictJson.NOT_STRING + stringFields[firstNotString[0]] : null;
    return new Verdict(reason, reason == null ? row(schema, obj, "", used) : null, false);
  }

  private static void checkTypes(StructType t, Map<String, Object> obj, String path, List<String> stringFields,
      boolean[] wrongType, int[] firstNotString) {
    for (StructField f : t.fields()) {
      String p = path.isEmpty() ? f.name() : path + "." + f.name();
      Object v = obj.get(f.name());
      if (v == null || v == NULL) continue;
      if (f.dataType() instanceof StructType st) {
        if (v instanceof Map<?, ?> m) {
          @SuppressWarnings("unchecked")
          Map<String, Object> child = (Map<String, Object>) m;
          checkTypes(st, child, p, stringFields, wrongType, firstNotString);
        } else {
          wrongType[0] = true;
        }
      } else if (f.dataType().equals(DataTypes.IntegerType)) {
        if (!(v instanceof Num n && n.isInt32())) wrongType[0] = true;
      } else if (!(v instanceof String)) {
        int k = stringFields.indexOf(p);
        if (k >= 0) firstNotString[0] = Math.min(firstNotString[0], k);
      }
    }
  }

  private static List<Object> row(StructType t, Map<String, Object> obj, String path, Set<String> used) {
    List<Object> out = new ArrayList<>();
    for (StructField f : t.fields()) {
      String p = path.isEmpty() ? f.name() : path + "." + f.name();
      Object v = obj.get(f.name());
      if (v == null || v == NULL) {
        out.add(null);
      } else if (f.dataType() instanceof StructType st) {
        @SuppressWarnings("unchecked")
        Map<String, Object> child = (Map<String, Object>) v;
        out.add(row(st, child, p, used));
      } else if (!used.contains(p)) {
        out.add(null);
      } else if (f.dataType().equals(DataTypes.IntegerType)) {
        out.add(new BigInteger(((Num) v).text()).intValueExact());
      } else {
        out.add(v instanceof String str ? str : compact(v));
      }
    }
    return out;
  }

  /** A Spark Row as the nested lists of {@link Verdict#user}. */
  static List<Object> lists(Row r) {
    List<Object> out = new ArrayList<>();
    for (int k = 0; k < r.length(); k++) {
      Object v = r.get(k);
      out.add(v instanceof Row child ? lists(child) : v);
    }
    return out;
  }

  /** A value as Jackson's generator writes it (compact; the escapes of its default character escapes). */
  static String compact(Object v) {
    StringBuilder b = new StringBuilder();
    compact(v, b);
    return b.toString();
  }

  private static void compact(Object v, StringBuilder b) {
    if (v instanceof Map<?, ?> m) {
      b.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) b.append(',');
        first = false;
        quote((String) e.getKey(), b);
        b.append(':');
        compact(e.getValue(), b);
      }
      b.append('}');
    } else if (v instanceof List<?> l) {
      b.append('[');
      for (int k = 0; k < l.size(); k++) {
        if (k > 0) b.append(',');
        compact(l.get(k), b);
      }
      b.append(']');
    } else if (v instanceof String str) {
      quote(str, b);
    } else if (v instanceof Num n) {
      b.append(n.isInteger() ? new BigInteger(n.text()).toString() : Double.toString(Double.parseDouble(n.text())));
    } else {
      b.append(v);  // true, false, null
    }
  }

  private static void quote(String str, StringBuilder b) {
    b.append('"');
    for (int k = 0; k < str.length(); k++) {
      char c = str.charAt(k);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\b' -> b.append("\\b");
        case '\t' -> b.append("\\t");
        case '\n' -> b.append("\\n");
        case '\f' -> b.append("\\f");
        case '\r' -> b.append("\\r");
        default -> {
          if (c < 0x20) b.append(String.format(java.util.Locale.ROOT, "\\u%04X", (int) c)); else b.append(c);
        }
      }
    }
    b.append('"');
  }

  /**
   * Whether the text holds a \\u escape of a surrogate that is not half of a pair: the text read as a sequence
   * of escapes (a backslash and what follows it, \\uXXXX whole) and plain characters, where a surrogate
   * escape is paired only with an escape of the other half right beside it. In JSON, escapes are only in
   * strings, so this is "a string (or key) of the message decodes to a lone surrogate"; a message that is not
   * JSON after a duplicate key (where the parse stops) is read the same way.
   */
  static boolean hasLoneSurrogateInStrings(String text) {
    StringBuilder units = new StringBuilder();  // each escape's unit, or 'x' for anything else
    for (int k = 0; k < text.length(); k++) {
      char c = text.charAt(k);
      if (c != '\\' || k + 1 >= text.length()) {
        units.append('x');
        if (Character.isHighSurrogate(c)) k++;  // a raw supplementary character: one character
        continue;
      }
      char e = text.charAt(++k);
      int unit = -1;
      if (e == 'u' && k + 4 < text.length()) {
        unit = 0;
        for (int h = k + 1; h <= k + 4 && unit >= 0; h++) {
          char d = text.charAt(h);
          unit = d < 128 && Character.digit(d, 16) >= 0 ? unit * 16 + Character.digit(d, 16) : -1;
        }
      }
      if (unit >= 0) {
        units.append((char) unit);
        k += 4;
      } else {
        units.append('x');
      }
    }
    return unpaired(units);
  }

  static boolean unpaired(CharSequence t) {
    for (int k = 0; k < t.length(); k++) {
      char c = t.charAt(k);
      if (Character.isHighSurrogate(c) && k + 1 < t.length() && Character.isLowSurrogate(t.charAt(k + 1))) {
        k++;
      } else if (Character.isSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  // --- the parser ------------------------------------------------------------------------------------------------

  private void ws() {
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      i++;
    }
  }

  private char peek() throws Syntax {
    if (i >= s.length()) throw new Syntax("end", i);
    return s.charAt(i);
  }

  private Object value() throws Syntax, Duplicate {
    ws();
    char c = peek();
    switch (c) {
      case '{':
        return object();
      case '[':
        return array();
      case '"':
        return string();
      case 't':
        return literal("true", Boolean.TRUE);
      case 'f':
        return literal("false", Boolean.FALSE);
      case 'n':
        return literal("null", NULL);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return number();
        throw new Syntax("unexpected " + c, i);
    }
  }

  private Object literal(String word, Object v) throws Syntax {
    if (!s.startsWith(word, i)) throw new Syntax("not " + word, i);
    i += word.length();
    return v;
  }

  private Num number() throws Syntax {
    int start = i;
    if (s.charAt(i) == '-') i++;
    if (peek() == '0') {
      i++;
    } else if (peek() >= '1' && peek() <= '9') {
      while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') i++;
    } else {
      throw new Syntax("no digit", i);
    }
    if (i < s.length() && s.charAt(i) == '.') {
      i++;
      digits();
    }
    if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      i++;
      if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
      digits();
    }
    // Jackson's limit of a number's length (StreamReadConstraints.maxNumberLength).
    if (i - start > MAX_NUMBER_LENGTH) throw new Syntax("number too long", start);
    return new Num(s.substring(start, i));
  }

  private void digits() throws Syntax {
    int start = i;
    while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') i++;
    if (i == start) throw new Syntax("no digit", i);
  }

  private String string() throws Syntax {
    i++;  // the quote
    StringBuilder b = new StringBuilder();
    while (true) {
      char c = peek();
      i++;
      if (c == '"') return b.toString();
      if (c < 0x20) throw new Syntax("raw control character", i - 1);
      if (c != '\\') {
        b.append(c);
        continue;
      }
      char e = peek();
      i++;
      switch (e) {
        case '"', '\\', '/' -> b.append(e);
        case 'b' -> b.append('\b');
        case 'f' -> b.append('\f');
        case 'n' -> b.append('\n');
        case 'r' -> b.append('\r');
        case 't' -> b.append('\t');
        case 'u' -> {
          if (i + 4 > s.length()) throw new Syntax("cut \\u", i);
          int v = 0;
          for (int k = 0; k < 4; k++) {
            char h = s.charAt(i + k);
            int d = h < 128 ? Character.digit(h, 16) : -1;
            if (d < 0) throw new Syntax("bad \\u", i);
            v = v * 16 + d;
          }
          i += 4;
          b.append((char) v);
        }
        default -> throw new Syntax("bad escape", i);
      }
    }
  }

  private void open() throws Syntax {
    if (++depth > MAX_DEPTH) throw new Syntax("too deep", i);
    i++;
  }

  private Map<String, Object> object() throws Syntax, Duplicate {
    open();
    Map<String, Object> out = new LinkedHashMap<>();
    ws();
    if (peek() == '}') {
      i++;
      depth--;
      return out;
    }
    while (true) {
      ws();
      if (peek() != '"') throw new Syntax("no name", i);
      String name = string();
      ws();
      if (peek() != ':') throw new Syntax("no colon", i);
      i++;
      ws();
      valueStart();
      if (!duplicatesAllowed && out.containsKey(name)) throw new Duplicate();
      out.put(name, value());
      ws();
      char c = peek();
      i++;
      if (c == '}') {
        depth--;
        return out;
      }
      if (c != ',') throw new Syntax("no comma", i - 1);
    }
  }

  private List<Object> array() throws Syntax, Duplicate {
    open();
    List<Object> out = new ArrayList<>();
    ws();
    if (peek() == ']') {
      i++;
      depth--;
      return out;
    }
    while (true) {
      out.add(value());
      ws();
      char c = peek();
      i++;
      if (c == ']') {
        depth--;
        return out;
      }
      if (c != ',') throw new Syntax("no comma", i - 1);
    }
  }

  /**
   * The first token of a member's value, read (then given back) before its name is checked for a duplicate:
   * a whole literal or number, or the opening character of a string, object or array.
   */
  private void valueStart() throws Syntax {
    int at = i;
    char c = peek();
    try {
      if (c == '"' || c == '{' || c == '[') return;
      if (c == 't' || c == 'f' || c == 'n') {
        literal(c == 't' ? "true" : c == 'f' ? "false" : "null", null);
        // Jackson refuses a literal run on into a name ("truex"), not one followed by a delimiter.
        if (i < s.length() && s.charAt(i) >= '0' && Character.isJavaIdentifierPart(s.charAt(i))) {
          throw new Syntax("literal run on", i);
        }
        return;
      }
      if (c == '-' || (c >= '0' && c <= '9')) {
        number();
        // A leading zero ("01") is refused as the number is read.
        if (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') throw new Syntax("leading zero", i);
        return;
      }
      throw new Syntax("unexpected " + c, i);
    } finally {
      i = at;
    }
  }

  /** After the object: whether the rest is one or more JSON values (duplicate keys allowed) and white space. */
  private boolean onlyValuesFollow() {
    RefJson rest = new RefJson(s, i);
    rest.duplicatesAllowed = true;
    try {
      while (true) {
        rest.ws();
        if (rest.i >= s.length()) return true;
        rest.value();
      }
    } catch (Syntax | Duplicate e) {
      return false;
    }
  }
}
