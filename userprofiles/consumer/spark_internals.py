"""What the consumer uses of Spark that is not Spark's public API, in one place: each use says why, and
which Spark versions it was checked on (spark_runtime.py's list of workarounds)."""
from __future__ import annotations

from pyspark.sql import SparkSession


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
