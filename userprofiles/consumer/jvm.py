"""The consumer's JVM piece (jvm/; stack/jvm.sh builds it into jvm/target, and Spark loads it from spark.jars):
the strict parse of a message and the per-profile state operator, as a Column and a DataFrame of the Python
plan. Rows stay in the JVM; the Python workers only ever see what the sinks write (write_protocol.py)."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pyspark.sql import Column, DataFrame
from pyspark.sql.types import StructType

from userprofiles import internals
from userprofiles.domain.profile import PREVIOUS

JAR = Path(__file__).resolve().parents[2] / "jvm" / "target" / "userprofiles-jvm.jar"
MISSING = f"the consumer's JVM piece ({JAR}) is missing; build it with 'make jvm' (make up and make venv do too)."
NOT_LOADED = (f"Spark's driver cannot load the consumer's JVM piece: spark.jars does not list {JAR}; run the consumer "
              f"with make consumer (or stack/spark-submit.sh), or spark-submit --jars {JAR}")


def installed() -> bool:
    """True when the JVM piece is built."""
    return JAR.is_file()


def strict_parse(value: Column, schema: StructType, string_fields: Sequence[str], used_fields: Sequence[str]) -> Column:
    """struct<reason, user>: the message (binary) parsed once into SCHEMA, with why it is no record (null when
    it is one): not UTF-8, not a JSON object, a lone surrogate escape, not strict JSON, a wrong JSON type, or
    the first of STRING_FIELDS that is not a JSON string (jvm/.../StrictJson.java). Only USED_FIELDS are kept
    in `user` (every field is checked)."""
    return internals.strict_parse_column(value, schema, list(string_fields), list(used_fields))


# What the state operator adds to each record (jvm/.../ProfileChanges.java), after its columns.
CHANGE_COLUMNS = ("action", *PREVIOUS, "copies_valid", "copies_filtered")
ACTIONS = ("upsert", "delete", "minor", "stale", "dead")


def profile_changes(records: DataFrame, seed: DataFrame) -> DataFrame:
    """Per micro-batch, the latest copy of each profile whose copies are newer than its state, with what it was
    counted under before (CHANGE_COLUMNS); the dead records pass through. SEED (identifiant, nationality,
    gender, domain_name, age) is the state a new checkpoint starts from."""
    return internals.profile_changes_frame(records, seed)
