"""Spark's runtime for the consumer: the session, shipping this package to the executors, and the
workarounds this Spark needs. Each workaround names the Spark version it was found on (pyspark 4.0.0, pinned
in requirements.txt); on a new Spark, check again that it is still needed (bench/RESULTS.md has its cost):

- checkpoint files through FileSystemBasedCheckpointFileManager (4.0.0: the default FileContext writer runs
  `chmod` and `readlink` processes for every offset and commit file without Hadoop's native library);
- skip_static_zip_rereads (4.0.0: every task makes each Python worker re-read the directories of Spark's
  own zip archives).
"""
from __future__ import annotations

from pathlib import Path

from pyspark.sql import SparkSession

from .settings import StreamSettings

CONNECTOR = "org.apache.spark:spark-sql-kafka-0-10_2.13"


def _connector_installed() -> bool:
    """True when Spark's jars folder already holds the Kafka connector (make up puts it there)."""
    import pyspark

    jars = Path(pyspark.__file__).parent / "jars"
    return any(jars.glob("spark-sql-kafka-0-10_*.jar"))


def build_spark(stream: StreamSettings) -> SparkSession:
    """The consumer's session: UTC, the Kafka connector, this package on the executors."""
    import pyspark

    b = SparkSession.builder.appName("users-profiles-consumer")
    if stream.master:
        b = b.master(stream.master)
    if not _connector_installed():
        # Not installed by `make up`: let Spark resolve the connector matching this pyspark from Maven.
        b = b.config("spark.jars.packages", f"{CONNECTOR}:{pyspark.__version__}")
    spark = (b.config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.shuffle.partitions", str(stream.shuffle_partitions))
             .config("spark.ui.enabled", "true" if stream.ui else "false")
             .config("spark.ui.port", str(stream.ui_port))
             .config("spark.sql.streaming.stopGracefullyOnShutdown", "true")
             # Spark's default (10 ms) asks Kafka for new offsets 100 times a second while the topic is idle.
             .config("spark.sql.streaming.pollingDelay", f"{stream.idle_poll_ms}ms")
             # Workaround, Spark 4.0.0 (see the module's docstring): the same files, without child processes.
             .config("spark.sql.streaming.checkpointFileManagerClass",
                     "org.apache.spark.sql.execution.streaming.FileSystemBasedCheckpointFileManager")
             .getOrCreate())
    spark.sparkContext.setLogLevel("WARN")
    ship_package(spark)
    return spark


def ship_package(spark: SparkSession) -> None:
    """Send this package to the executors (like --py-files), so that a cluster's workers can import it."""
    import shutil
    import tempfile

    pkg = Path(__file__).resolve().parent
    out = Path(tempfile.mkdtemp(prefix="userprofiles-")) / "userprofiles"
    archive = shutil.make_archive(str(out), "zip", root_dir=pkg.parent, base_dir=pkg.name)
    spark.sparkContext.addPyFile(archive)


_StaticZipImporter = None


def skip_static_zip_rereads() -> None:
    """Workaround, Spark 4.0.0: Python workers start every task with importlib.invalidate_caches(), which makes
    each zip importer on their path re-read its archive's directory, spark-core's jar (no Python in it) among
    them. Those archives do not change while a worker lives, so their importers skip the re-read. Cheap
    enough to run at the start of each task, which also covers importers created since."""
    global _StaticZipImporter
    import sys
    import zipimport

    if _StaticZipImporter is None:
        class _Static(zipimport.zipimporter):
            def invalidate_caches(self):  # the archive is Spark's own: it does not change
                pass
        _StaticZipImporter = _Static
    for key, imp in list(sys.path_importer_cache.items()):
        if type(imp) is zipimport.zipimporter and imp.archive.endswith(("pyspark.zip", "-src.zip", ".jar")):
            sys.path_importer_cache[key] = _StaticZipImporter(key)
