"""The consumer's JVM piece (jvm/; stack/jvm.sh builds it and puts it into pyspark's jars folder): the strict
parse of a message and the per-profile state operator, as a Column and a DataFrame of the Python plan. Rows
stay in the JVM; the Python workers only ever see what the sinks write (write_protocol.py)."""
from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql.types import StructType

JAR_NAME = "userprofiles-jvm.jar"
MISSING = (f"the consumer's JVM piece ({JAR_NAME} in pyspark's jars folder) is missing; build it with 'make jvm' "
           f"(make up and make venv do too).")


def installed() -> bool:
    """True when Spark's jars folder holds the JVM piece."""
    from userprofiles.consumer.spark_runtime import jars_dir

    return (jars_dir() / JAR_NAME).exists()


def _jvm():
    from pyspark import SparkContext

    sc = SparkContext._active_spark_context
    if sc is None:
        raise RuntimeError("no active Spark session")
    return sc._jvm.userprofiles.jvm


def strict_parse(value: Column, schema: StructType, string_fields: Sequence[str], used_fields: Sequence[str]) -> Column:
    """struct<reason, user>: the message (binary) parsed once into SCHEMA, with why it is no record (null when
    it is one): not UTF-8, not a JSON object, a lone surrogate escape, not strict JSON, a wrong JSON type, or
    the first of STRING_FIELDS that is not a JSON string (jvm/.../StrictJson.java). Only USED_FIELDS are kept
    in `user` (every field is checked)."""
    from pyspark.sql.classic.column import Column as ClassicColumn

    return ClassicColumn(_jvm().StrictJson.parse(value._jc, schema.json(), list(string_fields), list(used_fields)))


# What the state operator adds to each record (jvm/.../ProfileChanges.java), after its columns.
CHANGE_COLUMNS = ("action", "prev_nationality", "prev_gender", "prev_domain_name", "prev_age", "copies_valid",
                  "copies_filtered")
ACTIONS = ("upsert", "delete", "minor", "stale", "dead")


def profile_changes(records: DataFrame, seed: DataFrame) -> DataFrame:
    """Per micro-batch, the latest copy of each profile whose copies are newer than its state, with what it was
    counted under before (CHANGE_COLUMNS); the dead records pass through. SEED (identifiant, nationality,
    gender, domain_name, age) is the state a new checkpoint starts from."""
    from pyspark.sql.classic.dataframe import DataFrame as ClassicDataFrame

    return ClassicDataFrame(_jvm().ProfileChanges.apply(records._jdf, seed._jdf), records.sparkSession)
