"""Spark's runtime for the consumer: the session, shipping this package to the executors, and the
workarounds that Spark's Python workers need, each tied to the Spark version it was measured on."""
from __future__ import annotations

from pathlib import Path

from pyspark.sql import SparkSession

CONNECTOR = "org.apache.spark:spark-sql-kafka-0-10_2.13"


def _connector_installed() -> bool:
    """True when Spark's jars folder already holds the Kafka connector (make up puts it there)."""
    import pyspark

    jars = Path(pyspark.__file__).parent / "jars"
    return any(jars.glob("spark-sql-kafka-0-10_*.jar"))


def build_spark(args) -> SparkSession:
    """The consumer's session: UTC, the Kafka connector, this package on the executors."""
    import pyspark

    b = SparkSession.builder.appName("users-profiles-consumer")
    if args.master:
        b = b.master(args.master)
    if not _connector_installed():
        # Not installed by `make up`: let Spark resolve the connector matching this pyspark from Maven.
        b = b.config("spark.jars.packages", f"{CONNECTOR}:{pyspark.__version__}")
    spark = (b.config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.shuffle.partitions", str(args.shuffle_partitions))
             .config("spark.ui.enabled", "true" if args.ui else "false")
             .config("spark.ui.port", str(args.ui_port))
             .config("spark.sql.streaming.stopGracefullyOnShutdown", "true")
             # Spark's default (10 ms) asks Kafka for new offsets 100 times a second while the topic is idle:
             # ~0.2 cores of the consumer and the broker for nothing.
             .config("spark.sql.streaming.pollingDelay", f"{args.idle_poll_ms}ms")
             # Spark 4.0's default (FileContext) checkpoint writer runs `chmod` and `readlink` processes for
             # every offset and commit file on a local disk without Hadoop's native library; the FileSystem
             # one writes and renames the same files without them.
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
    """Spark 4.0: Spark's Python workers import pyspark from pyspark.zip, have spark-core's jar (5,000 entries) on their
    path, and start every task with importlib.invalidate_caches(), which makes each of their ~16 zip importers
    re-read its whole archive's directory: ~250 ms of CPU per task (py-spy: half to two thirds of the
    workers' time with small batches). Those archives do not change while a worker lives: here the jar
    (no Python in it) leaves the path and the importers of Spark's own zips skip that re-read. Cheap enough
    to run at the start of each task, which also covers importers created since."""
    global _StaticZipImporter
    import sys
    import zipimport

    if _StaticZipImporter is None:
        class _Static(zipimport.zipimporter):
            def invalidate_caches(self):  # the archive is Spark's own: it does not change
                pass
        _StaticZipImporter = _Static
        sys.path[:] = [p for p in sys.path if not p.endswith(".jar")]
        for key in [k for k in sys.path_importer_cache if ".jar" in k]:
            del sys.path_importer_cache[key]
    for key, imp in list(sys.path_importer_cache.items()):
        if type(imp) is zipimport.zipimporter and imp.archive.endswith(("pyspark.zip", "-src.zip")):
            sys.path_importer_cache[key] = _StaticZipImporter(key)
