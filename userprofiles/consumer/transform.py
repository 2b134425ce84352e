"""The pipeline's transformations: pure functions from DataFrame to DataFrame, Spark SQL and the strict parse
of the JVM piece (jvm.py), no Python UDFs, so rows never leave the JVM here. They run the same on a Kafka
micro-batch and on a test DataFrame.

Input of `parse`: Kafka's columns `key`, `value` (binary or string), `topic`, `partition`, `offset`,
`timestamp`.
"""
from __future__ import annotations

import datetime as dt

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from userprofiles.consumer import jvm
from userprofiles.consumer.schema import USER_SCHEMA
from userprofiles.domain.profile import PROFILE_COLUMNS

MIN_AGE_EXCLUSIVE = 13          # keep users older than 13
MAX_TEXT = 1000                 # longer text values are refused, not stored
# \A and \z: in Java regexes `$` also matches before a final line terminator, so `^...$` would take "<uuid>\n".
UUID_RE = r"\A[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\z"
# One @, no white space, no control, format, surrogate, private-use or separator character (\n, \r, U+0085,
# U+2028, U+200B ...). Unassigned code points are not refused: the JVM's Unicode version is older than Python's.
_NOT_IN_EMAIL = r"@\s\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Z}"
EMAIL_RE = rf"\A[^{_NOT_IN_EMAIL}]+@[^{_NOT_IN_EMAIL}]+\z"
# ISO 8601 as the API writes it: with milliseconds (1.3+) or without (1.2).
DOB_FORMATS = ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "yyyy-MM-dd'T'HH:mm:ssXXX")
OLDEST_DOB = "1900-01-01"

# Texts stored in Cassandra; each must fit MAX_TEXT.
_BOUNDED_TEXT = ("name.title", "name.first", "name.last", "gender", "login.username", "email", "phone",
                 "registered.date", "nat", "location.street.name", "location.city", "location.state",
                 "location.country", "location.postcode")
# Fields that must be JSON strings (or null/absent): from_json would read any JSON value as the text of a
# string field ({"gender": 5} gives "5"), so the strict parse checks them.
STRING_FIELDS = ("login.uuid", "email", "dob.date", "name.title", "name.first", "name.last", "gender",
                 "login.username", "phone", "registered.date", "nat", "location.street.name", "location.city",
                 "location.state", "location.country")
# The fields the plan reads; the parse keeps only these (the rest of the record is checked, not kept).
USED_FIELDS = (*STRING_FIELDS, "location.street.number", "location.postcode")


def _u(path: str) -> Column:
    return F.col("u." + path)


def _blank(c: Column) -> Column:
    return c.isNull() | (F.trim(c) == "")


def parse(kafka_df: DataFrame, now: Column | None = None) -> DataFrame:
    """Decode and validate each message once. Adds `u` (the parsed record), `dob_ts` and `reason`
    (null for a valid record, else why it cannot become a row). `now` (default: the message's Kafka
    timestamp) is the instant a date of birth must not pass.

    The analytics count profiles under their gender, nationality and e-mail domain exactly as the table
    stores them, so a record without a gender or a nationality is refused rather than counted under a
    made-up key."""
    parsed = jvm.strict_parse(F.col("value").cast("binary"), USER_SCHEMA, STRING_FIELDS, USED_FIELDS)
    df = kafka_df.withColumn("_parsed", parsed).withColumn("u", F.col("_parsed.user"))
    dob_ts = F.coalesce(*[F.try_to_timestamp(_u("dob.date"), F.lit(f)) for f in DOB_FORMATS])
    df = df.withColumn("dob_ts", dob_ts)
    # The byte length first: a text of at most MAX_TEXT bytes has at most MAX_TEXT characters (not counted).
    too_long = [F.when((F.octet_length(_u(c)) > MAX_TEXT) & (F.length(_u(c)) > MAX_TEXT), F.lit(c))
                for c in _BOUNDED_TEXT]
    reason = (
        F.when(F.col("value").isNull(), "empty message")
        .when(F.col("_parsed.reason").isNotNull(), F.col("_parsed.reason"))
        .when(_blank(_u("login.uuid")), "missing login.uuid")
        .when(~_u("login.uuid").rlike(UUID_RE), "invalid login.uuid")
        .when(_u("dob.date").isNull(), "missing dob.date")
        .when(F.col("dob_ts").isNull(), "unparsable dob.date")
        .when(F.col("dob_ts") > (F.col("timestamp") if now is None else now), "dob.date is in the future")
        .when(F.col("dob_ts") < F.lit(OLDEST_DOB).cast("timestamp"), "dob.date is before 1900")
        .when(_blank(_u("email")), "missing email")
        .when(~_u("email").rlike(EMAIL_RE), "invalid email")
        .when(_blank(_u("gender")), "missing gender")
        .when(_blank(_u("nat")), "missing nat")
        .when(F.coalesce(*too_long).isNotNull(), F.concat(F.lit("value too long: "), F.coalesce(*too_long)))
    )
    return df.withColumn("reason", reason).drop("_parsed")


def completed_years(birth: Column, today: Column) -> Column:
    """Whole years lived on `today`. `birth` is the UTC calendar date of the dob.date instant (the session
    time zone is UTC): "1990-05-02T01:00:00+05:00" is born on 1990-05-01. `today` is the micro-batch's UTC date.
    A Feb 29 birthday is reached on Mar 1 in other years."""
    before_birthday = (F.month(today) < F.month(birth)) | (
        (F.month(today) == F.month(birth)) & (F.dayofmonth(today) < F.dayofmonth(birth)))
    return (F.year(today) - F.year(birth) - F.when(before_birthday, 1).otherwise(0)).cast("int")


def _sha256(c: Column) -> Column:
    return F.sha2(c.cast("string"), 256)


def _text(c: Column) -> Column:
    return F.coalesce(c.cast("string"), F.lit(""))


def full_address(loc: str = "location") -> Column:
    """'{street.number} {street.name}, {city}, {state}, {country}, {postcode}', numbers as in the JSON."""
    p = lambda f: _text(_u(f"{loc}.{f}"))  # noqa: E731
    return F.concat(p("street.number"), F.lit(" "), p("street.name"), F.lit(", "), p("city"), F.lit(", "),
                    p("state"), F.lit(", "), p("country"), F.lit(", "), p("postcode"))


def _today(today: dt.date | Column | None) -> Column:
    if today is None:
        return F.to_date(F.col("timestamp"))  # the UTC date: the session's time zone is UTC
    return today if isinstance(today, Column) else F.lit(today).cast("date")


def classify(parsed: DataFrame, today: dt.date | Column | None = None) -> DataFrame:
    """Adds `age` (completed years on `today`; default: the UTC day of the message's Kafka timestamp) and
    `status`: dead (to the dead-letter topic), filtered (13 or younger) or valid.

    The age is the one the user had when the record was published, a function of the record alone: a replay,
    a later re-read of the topic or another consumer gets the same age and the same decision, and the
    generated code stays the same from one micro-batch to the next (docs/design.md, "The row's age")."""
    age = completed_years(F.to_date("dob_ts"), _today(today))
    status = (F.when(F.col("reason").isNotNull(), "dead")
              .when(age <= MIN_AGE_EXCLUSIVE, "filtered").otherwise("valid"))
    return parsed.withColumn("age", F.when(F.col("reason").isNull(), age)).withColumn("status", status)


def _profile_columns() -> list[Column]:
    email = _u("email")
    return [
        F.lower(_u("login.uuid")).alias("identifiant"),
        _u("name.title").alias("title"),
        F.concat_ws(" ", _u("name.last"), _u("name.first")).alias("full_name"),
        _u("gender").alias("gender"),
        _u("login.username").alias("username"),
        F.substring_index(email, "@", -1).alias("domain_name"),  # taken before hashing
        _sha256(email).alias("email"),
        _sha256(_u("phone")).alias("phone"),
        _sha256(full_address()).alias("full_address"),
        F.col("age"),
        _u("registered.date").alias("inscription"),
        _u("nat").alias("nationality"),
    ]


# What the executors receive of each record, in this order (executor.SinkRecord).
SINK_COLUMNS = ("status", "reason", *PROFILE_COLUMNS, "topic", "partition", "offset", "timestamp_ms", "value")


def for_sinks(classified: DataFrame) -> DataFrame:
    """Every record as SINK_COLUMNS: its status and reason, the table's columns (meaningful when valid or
    filtered), where it came from (its version: Kafka timestamp, partition, offset) and, for a dead letter
    only, the message itself. One classification feeds the rows, the counters and the dead letters."""
    dead = F.col("status") == "dead"
    return classified.select(
        F.col("status"), F.col("reason"), *_profile_columns(), F.col("topic"), F.col("partition"),
        F.col("offset"), F.unix_millis(F.col("timestamp")).alias("timestamp_ms"),
        F.when(dead, F.col("value").cast("binary")).alias("value"))


def sink_records(kafka_df: DataFrame) -> DataFrame:
    """Kafka's records as SINK_COLUMNS, each classified at its own Kafka timestamp."""
    return for_sinks(classify(parse(kafka_df)))


def to_profiles(classified: DataFrame) -> DataFrame:
    """The table's columns of the valid records, taken from what the sinks receive (tests compare them with
    the reference, so they check the production columns)."""
    return for_sinks(classified).where(F.col("status") == "valid").select(*PROFILE_COLUMNS)
