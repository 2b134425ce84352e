package userprofiles.jvm;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.IOException;
import java.io.StringWriter;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * One strict parse of a message into the record's StructType (userprofiles/consumer/schema.py), with the first
 * reason, if any, that makes it no record. Spark's from_json is lenient (duplicate keys, any JSON type read as the
 * text of a string field), so checking strictness and types took three parses of each message.
 *
 * <p>The result is {@code struct<reason, user>}. The reasons, in this order: "message is not UTF-8"; "not a
 * JSON object" (not JSON, or JSON of another shape); a lone UTF-16 surrogate escape, which has no UTF-8 form;
 * "not valid JSON" (an object that only a lenient parser reads: duplicate keys, content after it); "a field
 * has the wrong JSON type" (an object or number field holding another type); "not a JSON string: PATH" (the
 * first of the listed string fields that holds another type). {@code user} is the record as from_json reads
 * it, for the fields the plan uses (the others are checked, not kept): string fields that are not listed take
 * the JSON text of whatever they hold, as from_json does; unknown fields are skipped.
 */
public final class StrictJson implements UDF1<byte[], Row> {
  private static final long serialVersionUID = 1L;
  public static final String NOT_UTF8 = "message is not UTF-8";
  public static final String NOT_OBJECT = "not a JSON object";
  public static final String LONE_SURROGATE = "a lone UTF-16 surrogate escape (not valid Unicode text)";
  public static final String NOT_STRICT = "not valid JSON";
  public static final String WRONG_TYPE = "a field has the wrong JSON type";
  public static final String NOT_STRING = "not a JSON string: ";

  // Jackson's own duplicate detection hashes every name into a set per object; Node below knows the schema's
  // names by position and needs a set only for names the schema does not have.
  private static final JsonFactory FACTORY = new JsonFactory();

  private final String[] stringFields;
  private final Node root;

  StrictJson(StructType schema, String[] stringFields, Set<String> used) {
    this.stringFields = stringFields;
    this.root = Node.of(schema, "", stringFields, used);
  }

  /**
   * The parse as a column: {@code schemaJson} is the record's StructType as JSON (StructType.json()),
   * {@code stringFields} the paths that must hold JSON strings, {@code usedFields} the paths the plan reads.
   */
  public static Column parse(Column value, String schemaJson, List<String> stringFields, List<String> usedFields) {
    StructType schema = (StructType) DataType.fromJson(schemaJson);
    StructType result = new StructType()
        .add("reason", DataTypes.StringType, true)
        .add("user", schema, true);
    StrictJson parser = new StrictJson(schema, stringFields.toArray(new String[0]), new HashSet<>(usedFields));
    UserDefinedFunction udf = functions.udf(parser, result);
    return udf.apply(value);
  }

  /** A key met twice in one object. */
  static final class DuplicateKey extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DuplicateKey() {
      super(null, null, false, false);
    }
  }

  @Override
  public Row call(byte[] value) {
    if (value == null) return null;
    Utf8.Scan scan = Utf8.scan(value);
    if (!scan.valid) return refused(NOT_UTF8);
    if (zeroAhead(value)) return refused(NOT_OBJECT);
    Errors errors = new Errors();
    Row user = null;
    String strict = null;
    boolean object = false;
    try (JsonParser p = FACTORY.createParser(value)) {
      if (p.nextToken() != JsonToken.START_OBJECT) return refused(NOT_OBJECT);
      object = true;
      user = root.readObject(p, errors);
      strict = afterTheObject(p);
    } catch (DuplicateKey e) {
      strict = NOT_STRICT;
    } catch (StreamConstraintsException e) {  // nesting or sizes past Jackson's limits
      return refused(NOT_OBJECT);
    } catch (IOException e) {  // JsonProcessingException included: not JSON
      // Jackson refuses a lone surrogate escape in a key: the message is JSON with a lone surrogate (its reason)
      // when it parses once the escapes are replaced.
      if (object && scan.backslash) {
        byte[] replaced = Utf8.withoutLoneSurrogateEscapes(value);
        if (replaced != value && !NOT_OBJECT.equals(call(replaced).getString(0))) return refused(LONE_SURROGATE);
      }
      return refused(NOT_OBJECT);
    }
    if (scan.backslash && Utf8.hasLoneSurrogateEscape(value)) return refused(LONE_SURROGATE);
    if (strict != null) return refused(strict);
    return RowFactory.create(errors.reason(stringFields), user);
  }

  /**
   * A zero among the first 4 bytes: no UTF-8 JSON text starts so, and Jackson, which guesses a byte array's
   * encoding from them, would read the message as UTF-16 or UTF-32 JSON.
   */
  private static boolean zeroAhead(byte[] b) {
    for (int i = 0; i < Math.min(4, b.length); i++) {
      if (b[i] == 0) return true;
    }
    return false;
  }

  /** Not valid JSON when anything but white space follows the object, whether Jackson reads it as a token or not. */
  private static String afterTheObject(JsonParser p) {
    try {
      return p.nextToken() == null ? null : NOT_STRICT;
    } catch (IOException e) {
      return NOT_STRICT;
    }
  }

  private static Row refused(String reason) {
    return RowFactory.create(reason, null);
  }

  /** The type errors of one message. */
  static final class Errors {
    boolean wrongType;
    int firstNotString = Integer.MAX_VALUE;

    String reason(String[] stringFields) {
      if (wrongType) return WRONG_TYPE;
      if (firstNotString != Integer.MAX_VALUE) return NOT_STRING + stringFields[firstNotString];
      return null;
    }
  }

  /**
   * The value at the current token {@code t}, walked to its end with every object checked for duplicate
   * keys; with a generator, copied to it (the JSON text of a value that a string field holds).
   */
  static void walk(JsonParser p, JsonToken t, JsonGenerator out) throws IOException {
    if (t == JsonToken.START_OBJECT) {
      if (out != null) out.writeStartObject();
      Set<String> names = null;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        if (names == null) names = new HashSet<>();
        if (!names.add(name)) throw new DuplicateKey();
        if (out != null) out.writeFieldName(name);
        walk(p, p.nextToken(), out);
      }
      if (t != JsonToken.END_OBJECT) throw new JsonProcessingException("unexpected " + t) {};
      if (out != null) out.writeEndObject();
    } else if (t == JsonToken.START_ARRAY) {
      if (out != null) out.writeStartArray();
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        if (t == null) throw new JsonProcessingException("unexpected end") {};
        walk(p, t, out);
      }
      if (out != null) out.writeEndArray();
    } else if (out != null) {
      out.copyCurrentEvent(p);
    }
  }

  /** A field of the schema: how its JSON value is read. */
  private static final class Node implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    final DataType type;
    final Map<String, Integer> index;  // for a struct: field name -> position
    final Node[] children;
    final int stringCheck;  // for a string field: its position in stringFields, else -1
    final boolean used;  // kept in the result (else only checked)

    private Node(DataType type, Map<String, Integer> index, Node[] children, int stringCheck, boolean used) {
      this.type = type;
      this.index = index;
      this.children = children;
      this.stringCheck = stringCheck;
      this.used = used;
    }

    static Node of(DataType type, String path, String[] stringFields, Set<String> used) {
      if (type instanceof StructType) {
        StructField[] fields = ((StructType) type).fields();
        if (fields.length > 64) throw new IllegalArgumentException(path + " has more than 64 fields");
        Map<String, Integer> index = new HashMap<>();
        Node[] children = new Node[fields.length];
        boolean any = path.isEmpty();
        for (int i = 0; i < fields.length; i++) {
          index.put(fields[i].name(), i);
          String sub = path.isEmpty() ? fields[i].name() : path + "." + fields[i].name();
          children[i] = of(fields[i].dataType(), sub, stringFields, used);
          any |= children[i].used;
        }
        return new Node(type, index, children, -1, any);
      }
      int check = -1;
      for (int i = 0; i < stringFields.length; i++) if (stringFields[i].equals(path)) check = i;
      return new Node(type, null, null, check, used.contains(path));
    }

    /** The object whose START_OBJECT was just read, up to its END_OBJECT. */
    Row readObject(JsonParser p, Errors errors) throws IOException {
      Object[] values = new Object[children.length];
      long seen = 0;
      Set<String> others = null;
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        Integer i = index.get(name);
        JsonToken v = p.nextToken();
        if (i == null) {
          if (others == null) others = new HashSet<>();
          if (!others.add(name)) throw new DuplicateKey();
          walk(p, v, null);
        } else {
          long bit = 1L << i;
          if ((seen & bit) != 0) throw new DuplicateKey();
          seen |= bit;
          values[i] = children[i].read(p, v, errors);
        }
      }
      if (t != JsonToken.END_OBJECT) throw new JsonProcessingException("unexpected " + t) {};
      return RowFactory.create(values);
    }

    Object read(JsonParser p, JsonToken t, Errors errors) throws IOException {
      if (t == JsonToken.VALUE_NULL) return null;
      if (type instanceof StructType) {
        if (t == JsonToken.START_OBJECT) return readObject(p, errors);
        errors.wrongType = true;
        walk(p, t, null);
        return null;
      }
      if (type == DataTypes.IntegerType) {
        if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT) {
          return used ? p.getIntValue() : null;
        }
        errors.wrongType = true;
        walk(p, t, null);
        return null;
      }
      // A string field.
      if (t == JsonToken.VALUE_STRING) return used ? p.getText() : null;
      if (stringCheck >= 0) {
        errors.firstNotString = Math.min(errors.firstNotString, stringCheck);
        walk(p, t, null);
        return null;
      }
      if (!used) {
        walk(p, t, null);
        return null;
      }
      // As from_json: the JSON text of the value.
      StringWriter w = new StringWriter();
      try (JsonGenerator g = FACTORY.createGenerator(w)) {
        walk(p, t, g);
      }
      return w.toString();
    }
  }
}
