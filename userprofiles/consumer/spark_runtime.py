"""Spark's runtime for the consumer: the session, shipping this package to the executors, and the
workarounds this Spark needs, each checked on the versions of internals.SUPPORTED_SPARK (on a new Spark, check
again that it is still needed):

- checkpoint files through FileSystemBasedCheckpointFileManager: without Hadoop's native library, the default
  FileContext writer starts `chmod`/`readlink`/`stat` processes for its files.
- `file:` paths through the JVM piece's NioLocalFileSystem: Hadoop's own LocalFileSystem still starts a
  `chmod` process for each file it creates (each offset, commit and state changelog file, and their checksums).
- the Python workers' daemon of python_worker_daemon.py: over the Unix domain socket, a worker that Spark ends
  writes into the closed socket and the daemon prints a BrokenPipeError traceback.
- the state stores stopped before the session: SparkContext.stop() leaves their maintenance thread running,
  which then fails every minute with "SparkEnv not active" until the JVM exits.
"""
from __future__ import annotations

from pathlib import Path

from pyspark.sql import SparkSession

from userprofiles import internals
from userprofiles.config.settings import StreamSettings

CONNECTOR = "org.apache.spark:spark-sql-kafka-0-10_2.13"
# Hadoop's local file system with java.nio permissions (jvm/; see the module's docstring).
LOCAL_FILE_SYSTEM = "userprofiles.jvm.NioLocalFileSystem"


def jars_dir() -> Path:
    """Spark's jars folder: SPARK_HOME's (spark-submit sets it, and its pyspark is a zip there), else pip's."""
    import os

    import pyspark

    return Path(os.environ.get("SPARK_HOME") or Path(pyspark.__file__).parent) / "jars"


def _connector_installed() -> bool:
    """True when Spark's jars folder already holds the Kafka connector (make up puts it there)."""
    return any(jars_dir().glob("spark-sql-kafka-0-10_*.jar"))


# Spark's own reports of a failed task and of the query it stopped: a page of Java and Python stack each, for a
# failure that consumer_spark.py reports in one line naming the cause and the fix. Kept at --log-level DEBUG.
FAILURE_REPORTERS = ("org.apache.spark.executor.Executor", "org.apache.spark.scheduler.TaskSetManager",
                     "org.apache.spark.sql.execution.streaming.runtime.MicroBatchExecution")


# Stopping the query interrupts its running tasks, and a task's Kafka consumer then closes interrupted: Spark's
# consumer pool reports that as an error with a page of Java, though nothing is lost (the consumer is discarded).
STOP_REPORTERS = ("org.apache.spark.sql.kafka010.consumer.InternalKafkaConsumerPool$CustomSwallowedExceptionListener",)


def stop_query(spark: SparkSession, query, log_level: str = "INFO") -> None:
    """Stop QUERY, STOP_REPORTERS off from then on (kept at --log-level DEBUG)."""
    if log_level.upper() != "DEBUG":
        for name in STOP_REPORTERS:
            internals.set_log_level(spark, name, "OFF")
    query.stop()


def quiet_failure_reports(spark: SparkSession) -> None:
    """FAILURE_REPORTERS off in the driver's log4j (local mode runs the executor there too)."""
    for name in FAILURE_REPORTERS:
        internals.set_log_level(spark, name, "OFF")


def build_spark(stream: StreamSettings, log_level: str = "INFO") -> SparkSession:
    """The consumer's session: UTC, the Kafka connector, the JVM piece and this package on the executors, the
    per-profile state in RocksDB. Spark logs its warnings only, all of INFO at --log-level DEBUG."""
    import pyspark

    b = SparkSession.builder.appName("users-profiles-consumer")
    if stream.master:
        b = b.master(stream.master)
    if not _connector_installed():
        # Not installed by `make up`: let Spark resolve the connector matching this pyspark from Maven.
        b = b.config("spark.jars.packages", f"{CONNECTOR}:{pyspark.__version__}")
    b = python_workers(b, stream.master or internals.submitted_master())
    spark = (b.config("spark.sql.session.timeZone", "UTC")
             # The state's partitions; Spark keeps the number a checkpoint was created with.
             .config("spark.sql.shuffle.partitions", str(stream.state_partitions))
             .config("spark.sql.streaming.stateStore.providerClass",
                     "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider")
             # Each micro-batch writes the state's changes only (a changelog file per partition); snapshots of
             # the whole store are made in the background.
             .config("spark.sql.streaming.stateStore.rocksdb.changelogCheckpointing.enabled", "true")
             .config("spark.ui.enabled", "true" if stream.ui else "false")
             .config("spark.ui.port", str(stream.ui_port))
             # The UI is for watching: no link in it stops a job or a stage (it listens on SPARK_LOCAL_IP,
             # 127.0.0.1 on this machine: stack/spark-conf/spark-env.sh).
             .config("spark.ui.killEnabled", "false")
             # The identifiant is ASCII hex (transform.UUID_RE), which the JVM's case mapping lowers exactly and
             # more cheaply than ICU's (bench/RESULTS.md).
             .config("spark.sql.icu.caseMappings.enabled", "false")
             # Spark's default (10 ms) asks Kafka for new offsets 100 times a second while the topic is idle.
             .config("spark.sql.streaming.pollingDelay", f"{stream.idle_poll_ms}ms")
             # Workaround, Spark 4.0.0-4.2.0 (see the module's docstring): the same files, no child processes.
             .config("spark.sql.streaming.checkpointFileManagerClass",
                     "org.apache.spark.sql.execution.streaming.checkpointing.FileSystemBasedCheckpointFileManager")
             .config("spark.hadoop.fs.file.impl", LOCAL_FILE_SYSTEM)
             # spark-submit opens a `file:` file system for spark.jars before this setting exists, and Hadoop
             # caches it: uncached, every later one is the JVM piece's (else checkpoint writes fork chmod again).
             .config("spark.hadoop.fs.file.impl.disable.cache", "true")
             .getOrCreate())
    # INFO, not Spark's DEBUG, at DEBUG: it has the failed tasks' stack traces and each stage and query
    # progress, while Spark's DEBUG is thousands of RPC and codegen lines a second that bury them.
    debug = log_level.upper() == "DEBUG"
    spark.sparkContext.setLogLevel("INFO" if debug else "WARN")
    if not debug:
        quiet_failure_reports(spark)
    ship_package(spark)
    internals.stop_driver_first(spark)
    return spark


PACKAGE_ROOT = Path(__file__).resolve().parents[2]   # the folder that holds the userprofiles package


def executors_share_this_machine(master: str) -> bool:
    """True when the executors see this machine's files: local mode, or a standalone master on the loopback
    (make up SPARK_WORKERS=N)."""
    return master.startswith("local") or master.startswith(("spark://127.0.0.1:", "spark://localhost:"))


def python_workers(b: SparkSession.Builder, master: str) -> SparkSession.Builder:
    """Where the executors can import this package at their start (they share this machine's files), their
    Python workers talk to them over a Unix socket and are forked by python_worker_daemon.py, which makes
    their end clean: over Spark's default TCP socket, each task's worker waits for Linux's delayed ACK before
    its first Arrow batch (bench/RESULTS.md). Elsewhere Spark's own daemon and TCP: its daemon prints a
    traceback when a worker ends over the Unix socket."""
    if not executors_share_this_machine(master):
        return b
    from userprofiles.consumer import python_worker_daemon

    # Spark adds its own folders to this PYTHONPATH, and the executor's environment.
    return (b.config("spark.python.unix.domain.socket.enabled", "true")
            .config("spark.python.daemon.module", python_worker_daemon.__name__)
            .config("spark.executorEnv.PYTHONPATH", str(PACKAGE_ROOT)))


def stop(spark: SparkSession) -> None:
    """Stop Spark once the query is stopped: the state stores first (their maintenance ends, their RocksDB
    instances close; internals.py), then the session, which ends the Python workers."""
    internals.stop_state_stores(spark)
    spark.stop()


def ship_package(spark: SparkSession) -> None:
    """Send this package to the executors (like --py-files), so that a cluster's workers can import it. The zip
    stays while this program runs (the driver serves it to executors that join later), and goes with it."""
    import atexit
    import shutil
    import tempfile

    pkg = Path(__file__).resolve().parents[1]   # the whole userprofiles package
    folder = tempfile.mkdtemp(prefix="userprofiles-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    out = Path(folder) / "userprofiles"
    archive = shutil.make_archive(str(out), "zip", root_dir=pkg.parent, base_dir=pkg.name)
    spark.sparkContext.addPyFile(archive)

