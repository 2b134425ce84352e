"""What the pipeline uses of Spark and of the Cassandra driver that is not their public API, in one place: each
use says why. check_spark_version() refuses, at the consumer's start, a Spark this was not checked on.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession
    from pyspark.sql.types import StructType


def stop_state_stores(spark: SparkSession) -> None:
    """Stop the state stores' maintenance (it finishes a snapshot in progress), then unload and close every
    state store of this JVM. SparkContext.stop() does neither in Spark 4.2.0: the maintenance thread outlives
    the context and fails every minute ("SparkEnv not active, cannot do maintenance on StateStores") until the
    JVM exits. In local mode the executor is this JVM; a cluster's executors end with the application."""
    state_store = spark.sparkContext._jvm.org.apache.spark.sql.execution.streaming.state.StateStore
    state_store.stopMaintenanceTask()
    state_store.stop()


def submitted_master() -> str:
    """The master spark-submit gave the JVM (a system property there), before any session exists: pyspark's
    SparkConf reads the JVM's properties only once its gateway is up. local[*] when none was given."""
    from pyspark import SparkConf, SparkContext

    SparkContext._ensure_initialized()
    return SparkConf().get("spark.master", "local[*]")


def stop_driver_first(spark: SparkSession, timeout_s: float = 60.0) -> None:
    """At the shutdown of spark-submit's JVM (SIGTERM, Ctrl-C), this Python driver is signalled and waited for
    before Spark's own shutdown hooks stop the SparkContext (jvm/.../DriverShutdown.java, a hook of Spark's
    ShutdownHookManager): the driver stops the query, its clients and Spark in order. Without it the JVM
    stops the SparkContext under the running query."""
    import os

    spark.sparkContext._jvm.userprofiles.jvm.DriverShutdown.install(os.getpid(), int(timeout_s * 1000))


def task_batch_id() -> int:
    """In a task of the streaming plan, the id of its micro-batch: a local property that Spark's
    MicroBatchExecution sets for the micro-batch's jobs (-1 outside one)."""
    from pyspark import TaskContext

    return int(TaskContext.get().getLocalProperty("streaming.sql.batchId") or -1)


def checkpoint_query_id(checkpoint: str) -> str:
    """The query's id, which Spark writes as the first line of the checkpoint's `metadata` file: the same for
    every run from one checkpoint."""
    import json
    from pathlib import Path

    return json.loads((Path(checkpoint) / "metadata").read_text().splitlines()[0])["id"]


def committed_batches(checkpoint: str) -> list[int]:
    """The ids of the micro-batches the checkpoint has committed (its commits/ folder)."""
    return _batch_files(checkpoint, "commits")


def planned_batches(checkpoint: str) -> list[int]:
    """The ids of the micro-batches the checkpoint has planned (its offsets/ folder)."""
    return _batch_files(checkpoint, "offsets")


def _batch_files(checkpoint: str, folder: str) -> list[int]:
    from pathlib import Path

    d = Path(checkpoint) / folder
    return sorted(int(p.name) for p in d.glob("[0-9]*")) if d.is_dir() else []


def bound_statement(prepared, values: list):
    """A BoundStatement of PREPARED carrying VALUES already serialised for the CQL protocol (bytes, None for
    null): what bind() computes, without its per-value Python work (sinks/cassandra.py cql_values). Its routing
    key is computed from `values`, as after bind(). Checked on cassandra-driver 3.29."""
    from cassandra.query import BoundStatement

    b = BoundStatement(prepared)
    b.values = values
    return b


# --- the JVM piece (jvm/), as a Column and a DataFrame of the Python plan ----------------------------------


def _jvm_piece():
    from pyspark import SparkContext

    sc = SparkContext._active_spark_context
    if sc is None:
        raise RuntimeError("no active Spark session")
    return sc._jvm.userprofiles.jvm


def jvm_piece_loaded(spark: SparkSession) -> bool:
    """True when the driver's JVM can load the JVM piece's classes (its jar is in spark.jars)."""
    try:
        spark.sparkContext._jvm.java.lang.Class.forName("userprofiles.jvm.StrictJson", False,
                                                        spark.sparkContext._jvm.Thread.currentThread()
                                                        .getContextClassLoader())
        return True
    except Exception:
        return False


def local_file_system(spark: SparkSession) -> str:
    """The class of the file system that `file:` paths (the checkpoint's) resolve to in this session."""
    jvm = spark.sparkContext._jvm
    conf = spark._jsparkSession.sessionState().newHadoopConf()
    return jvm.org.apache.hadoop.fs.FileSystem.get(jvm.java.net.URI("file:///"), conf).getClass().getName()


def strict_parse_column(value: Column, schema: StructType, string_fields: list[str], used_fields: list[str]) -> Column:
    """StrictJson.parse (jvm/) applied to the Column VALUE: pyspark has no public way to call a JVM function
    that returns a Column, so the JVM Column is wrapped as pyspark does it itself."""
    from pyspark.sql.classic.column import Column as ClassicColumn

    return ClassicColumn(_jvm_piece().StrictJson.parse(value._jc, schema.json(), string_fields, used_fields))


def profile_changes_frame(records: DataFrame, seed: DataFrame) -> DataFrame:
    """ProfileChanges.apply (jvm/) on RECORDS and SEED, wrapped as pyspark wraps a JVM Dataset."""
    from pyspark.sql.classic.dataframe import DataFrame as ClassicDataFrame

    return ClassicDataFrame(_jvm_piece().ProfileChanges.apply(records._jdf, seed._jdf), records.sparkSession)


# --- the query listener ---------------------------------------------------------------------------------------


class _JsonEvents:
    """What Spark's listener bus calls back through Py4J (PythonStreamingQueryListenerWrapper, the interface
    pyspark's own listener implements): each progress event as its JSON text, one call. pyspark's conversion
    reads the event field by field, a Py4J round trip each, and its map fields make the JVM search its whole
    classpath per event (bench/RESULTS.md)."""

    def __init__(self, listener):
        self.listener = listener

    def onQueryStarted(self, jevent) -> None:
        pass

    def onQueryProgress(self, jevent) -> None:
        import json

        from pyspark.sql.streaming.listener import QueryProgressEvent

        self.listener.onQueryProgress(QueryProgressEvent.fromJson({"progress": json.loads(jevent.progress().json())}))

    def onQueryIdle(self, jevent) -> None:
        pass

    def onQueryTerminated(self, jevent) -> None:
        pass

    class Java:
        implements = ["org.apache.spark.sql.streaming.PythonStreamingQueryListener"]


def add_progress_listener(spark: SparkSession, listener):
    """Register LISTENER (a pyspark StreamingQueryListener) to get each progress event as one JSON text;
    returns what remove_progress_listener takes."""
    jvm = spark.sparkContext._jvm
    jlistener = jvm.org.apache.spark.sql.streaming.PythonStreamingQueryListenerWrapper(_JsonEvents(listener))
    spark._jsparkSession.streams().addListener(jlistener)
    return jlistener


def remove_progress_listener(spark: SparkSession, jlistener) -> None:
    spark._jsparkSession.streams().removeListener(jlistener)


# --- Spark's own logging ------------------------------------------------------------------------------------


def set_log_level(spark: SparkSession, logger: str, level: str) -> None:
    """LOGGER's level in the driver's log4j (local mode runs the executor there too): pyspark sets only the
    root's (setLogLevel)."""
    jvm = spark.sparkContext._jvm
    jvm.org.apache.logging.log4j.core.config.Configurator.setLevel(logger, getattr(jvm.org.apache.logging.log4j.Level,
                                                                                   level))


# --- the versions checked --------------------------------------------------------------------------------------

# The Spark versions every use above was checked on (and the workarounds of consumer/spark_runtime.py).
SUPPORTED_SPARK = ("4.2.0",)


def check_spark_version() -> str | None:
    """None when the running pyspark is a supported one, else the one-line reason."""
    import pyspark

    if pyspark.__version__ in SUPPORTED_SPARK:
        return None
    return (f"pyspark {pyspark.__version__} is not a Spark version this consumer was checked on "
            f"({', '.join(SUPPORTED_SPARK)}: userprofiles/internals.py); install the version of requirements.txt "
            f"(make venv)")
