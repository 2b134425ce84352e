"""The one Spark schema of a randomuser.me user record (API 1.3/1.4 shape).

Types follow the live API: `location.postcode` is a number for most nationalities and a string for
CA, GB, NO and NL, so it is read as a string (Spark keeps a JSON number's text, e.g. 75008).
The consumer parses each message into it with the strict parse of jvm.py, which also says why a message is
no record (not JSON, a field of the wrong JSON type ...).
"""
from pyspark.sql.types import IntegerType, StringType, StructField, StructType


def _struct(*fields: tuple[str, object]) -> StructType:
    return StructType([StructField(name, dtype, True) for name, dtype in fields])


S = StringType()

USER_SCHEMA = _struct(
    ("gender", S),
    ("name", _struct(("title", S), ("first", S), ("last", S))),
    ("location", _struct(
        ("street", _struct(("number", IntegerType()), ("name", S))),
        ("city", S), ("state", S), ("country", S), ("postcode", S),
        ("coordinates", _struct(("latitude", S), ("longitude", S))),
        ("timezone", _struct(("offset", S), ("description", S))),
    )),
    ("email", S),
    ("login", _struct(("uuid", S), ("username", S), ("password", S), ("salt", S),
                      ("md5", S), ("sha1", S), ("sha256", S))),
    ("dob", _struct(("date", S), ("age", IntegerType()))),
    ("registered", _struct(("date", S), ("age", IntegerType()))),
    ("phone", S),
    ("cell", S),
    ("id", _struct(("name", S), ("value", S))),
    ("picture", _struct(("large", S), ("medium", S), ("thumbnail", S))),
    ("nat", S),
)
