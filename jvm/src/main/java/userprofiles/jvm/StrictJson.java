package userprofiles.jvm;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.IOException;
import java.io.StringWriter;
import java.util.HashMap;
import java.util.Map;
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
 * One strict parse of a message into the record's StructType (userprofiles/schema.py), with the first reason,
 * if any, that makes it no record. Spark's from_json is lenient (duplicate keys, any JSON type read as the text
 * of a string field), so checking strictness and types took three parses of each message.
 *
 * <p>The result is {@code struct<reason, user>}. The reasons, in this order: "message is not UTF-8"; "not a
 * JSON object" (not JSON, or JSON of another shape); a lone UTF-16 surrogate escape, which has no UTF-8 form;
 * "not valid JSON" (an object that only a lenient parser reads: duplicate keys, content after it); "a field
 * has the wrong JSON type" (an object or number field holding another type); "not a JSON string: PATH" (the
 * first of the listed string fields that holds another type). {@code user} is the record as from_json reads
 * it: other string fields take the JSON text of whatever they hold, as from_json does, and unknown fields are
 * skipped.
 */
public final class StrictJson implements UDF1<byte[], Row> {
  public static final String NOT_UTF8 = "message is not UTF-8";
  public static final String NOT_OBJECT = "not a JSON object";
  public static final String LONE_SURROGATE = "a lone UTF-16 surrogate escape (not valid Unicode text)";
  public static final String NOT_STRICT = "not valid JSON";
  public static final String WRONG_TYPE = "a field has the wrong JSON type";
  public static final String NOT_STRING = "not a JSON string: ";

  private final StructType schema;
  private final String[] stringFields;
  private final Node root;
  // Thread-safe, shared by the tasks of an executor.
  private static final JsonFactory STRICT =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final JsonFactory TEXT = new JsonFactory();

  StrictJson(StructType schema, String[] stringFields) {
    this.schema = schema;
    this.stringFields = stringFields;
    this.root = Node.of(schema, "", stringFields);
  }

  /** The parse as a column: {@code schemaJson} is the record's StructType as JSON (StructType.json()). */
  public static Column parse(Column value, String schemaJson, java.util.List<String> stringFields) {
    StructType schema = (StructType) DataType.fromJson(schemaJson);
    StructType result = new StructType()
        .add("reason", DataTypes.StringType, true)
        .add("user", schema, true);
    UserDefinedFunction udf =
        functions.udf(new StrictJson(schema, stringFields.toArray(new String[0])), result);
    return udf.apply(value);
  }

  @Override
  public Row call(byte[] value) {
    if (value == null) return null;
    if (!Utf8.isValid(value)) return refused(NOT_UTF8);
    Errors errors = new Errors();
    Row user;
    String strict = null;
    try (JsonParser p = STRICT.createParser(value)) {
      if (p.nextToken() != JsonToken.START_OBJECT) return refused(NOT_OBJECT);
      user = root.readObject(p, errors);
      if (p.nextToken() != null) strict = NOT_STRICT;
    } catch (StreamConstraintsException e) {  // nesting or sizes past Jackson's limits
      return refused(NOT_OBJECT);
    } catch (JsonProcessingException e) {
      if (!isDuplicate(e)) return refused(NOT_OBJECT);
      strict = NOT_STRICT;
      user = null;
    } catch (IOException e) {
      return refused(NOT_OBJECT);
    }
    if (Utf8.hasLoneSurrogateEscape(value)) return refused(LONE_SURROGATE);
    if (strict != null) return refused(strict);
    return RowFactory.create(errors.reason(stringFields), user);
  }

  private static Row refused(String reason) {
    return RowFactory.create(reason, null);
  }

  private static boolean isDuplicate(JsonProcessingException e) {
    return e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field");
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

  /** A field of the schema: how its JSON value is read. */
  private static final class Node implements java.io.Serializable {
    final DataType type;
    final Map<String, Integer> index;  // for a struct: field name -> position
    final Node[] children;
    final int stringCheck;  // for a string field: its position in stringFields, else -1

    private Node(DataType type, Map<String, Integer> index, Node[] children, int stringCheck) {
      this.type = type;
      this.index = index;
      this.children = children;
      this.stringCheck = stringCheck;
    }

    static Node of(DataType type, String path, String[] stringFields) {
      if (type instanceof StructType) {
        StructField[] fields = ((StructType) type).fields();
        Map<String, Integer> index = new HashMap<>();
        Node[] children = new Node[fields.length];
        for (int i = 0; i < fields.length; i++) {
          index.put(fields[i].name(), i);
          String sub = path.isEmpty() ? fields[i].name() : path + "." + fields[i].name();
          children[i] = of(fields[i].dataType(), sub, stringFields);
        }
        return new Node(type, index, children, -1);
      }
      int check = -1;
      for (int i = 0; i < stringFields.length; i++) if (stringFields[i].equals(path)) check = i;
      return new Node(type, null, null, check);
    }

    /** The object whose START_OBJECT was just read, up to its END_OBJECT. */
    Row readObject(JsonParser p, Errors errors) throws IOException {
      Object[] values = new Object[children.length];
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        Integer i = index.get(p.currentName());
        JsonToken v = p.nextToken();
        if (i == null) {
          p.skipChildren();
        } else {
          values[i] = children[i].read(p, v, errors);
        }
      }
      if (t != JsonToken.END_OBJECT) throw new IOException("unexpected token " + t);
      return RowFactory.create(values);
    }

    Object read(JsonParser p, JsonToken t, Errors errors) throws IOException {
      if (t == JsonToken.VALUE_NULL) return null;
      if (type instanceof StructType) {
        if (t == JsonToken.START_OBJECT) return readObject(p, errors);
        errors.wrongType = true;
        p.skipChildren();
        return null;
      }
      if (type == DataTypes.IntegerType) {
        if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT) {
          return p.getIntValue();
        }
        errors.wrongType = true;
        p.skipChildren();
        return null;
      }
      // A string field.
      if (t == JsonToken.VALUE_STRING) return p.getText();
      if (stringCheck >= 0) {
        errors.firstNotString = Math.min(errors.firstNotString, stringCheck);
        p.skipChildren();
        return null;
      }
      // As from_json: the JSON text of the value.
      StringWriter w = new StringWriter();
      try (JsonGenerator g = TEXT.createGenerator(w)) {
        g.copyCurrentStructure(p);
      }
      return w.toString();
    }
  }
}
