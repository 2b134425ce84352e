"""The streaming job: Kafka -> parse/validate/transform -> Cassandra rows + MongoDB analytics + dead letters.

I/O lives here and in sinks/; the transformations are the pure functions of transform.py.
"""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from . import analytics, transform
from .config import spark_kafka_options
from .schema import PROFILE_COLUMNS
from .sinks import deadletter
from .sinks.cassandra import CassandraConf, write_rows
from .sinks.mongo import MongoConf, apply_totals, claim

log = logging.getLogger("consumer")

CONNECTOR = "org.apache.spark:spark-sql-kafka-0-10_2.13"


def _connector_installed() -> bool:
    """True when Spark's jars folder already holds the Kafka connector (make up puts it there)."""
    import pyspark

    jars = Path(pyspark.__file__).parent / "jars"
    return any(jars.glob("spark-sql-kafka-0-10_*.jar"))


def build_spark(args) -> SparkSession:
    import pyspark

    b = SparkSession.builder.appName("users-profiles-consumer")
    if args.master:
        b = b.master(args.master)
    if not _connector_installed():
        # Not installed by `make up`: let Spark resolve the connector matching this pyspark from Maven.
        b = b.config("spark.jars.packages", f"{CONNECTOR}:{pyspark.__version__}")
    spark = (b.config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.shuffle.partitions", str(args.shuffle_partitions))
             .config("spark.ui.enabled", "false")
             .config("spark.sql.streaming.stopGracefullyOnShutdown", "true")
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


def kafka_stream(spark: SparkSession, args) -> DataFrame:
    reader = (spark.readStream.format("kafka").options(**spark_kafka_options(args))
              .option("subscribe", args.topic)
              .option("startingOffsets", args.starting_offsets)
              .option("includeHeaders", "false"))
    if args.max_offsets_per_trigger > 0:
        reader = reader.option("maxOffsetsPerTrigger", str(args.max_offsets_per_trigger))
    return reader.load()


def latest_valid(rows) -> tuple[dict, list[tuple]]:
    """Rows of for_sinks (status, PROFILE_COLUMNS..., offset) -> (counts per status, one profile tuple per
    identifiant: the one of the latest offset). The same rule as transform.dedupe, done on the executor
    after the rows were hash-partitioned by identifiant, which costs no sort."""
    counts = {"valid": 0, "filtered": 0, "dead": 0}
    latest: dict = {}
    for r in rows:
        counts[r[0]] += 1
        if r[0] == "valid":
            off = r[-1]
            cur = latest.get(r[1])
            if cur is None or off > cur[0]:
                latest[r[1]] = (off, tuple(r[1:-1]))
    return counts, [v[1] for v in latest.values()]


_claimer = None
_StaticZipImporter = None


def _skip_static_zip_rereads() -> None:
    """Spark's Python workers import pyspark from pyspark.zip, have spark-core's jar (5,000 entries) on their
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


def _claims_thread():
    global _claimer
    if _claimer is None:
        from concurrent.futures import ThreadPoolExecutor

        _claimer = ThreadPoolExecutor(1, thread_name_prefix="claims")
    return _claimer


def write_partition(cass: CassandraConf, mongo: MongoConf, query: str, batch: int):
    """The executor side of a batch: count the partition's records, keep the latest copy of each profile,
    upsert the rows and claim them (both at once: the claims wait on MongoDB while the rows go to
    Cassandra), return the counts, rows written, partial counters and timings."""
    def run(rows):
        t0 = time.monotonic()
        _skip_static_zip_rereads()
        counts, profiles = latest_valid(rows)
        if not profiles:
            return iter([(counts, 0, {}, {"read": time.monotonic() - t0})])
        t1 = time.monotonic()
        claiming = _claims_thread().submit(
            lambda: claim(mongo, [dict(zip(PROFILE_COLUMNS, r)) for r in profiles], query, batch))
        written = write_rows(cass, profiles)
        t2 = time.monotonic()
        new = claiming.result()
        t3 = time.monotonic()
        return iter([(counts, written, analytics.totals(new),
                      {"read": t1 - t0, "cassandra": t2 - t1, "claims_wait": t3 - t2})])
    return run


def with_clock(df: DataFrame) -> DataFrame:
    """The batch with the batch's clock as two columns, `_now` (timestamp) and `_today` (date, UTC), joined
    from a one-row table. current_timestamp() and current_date() would be constants in the generated code,
    which then differs at every batch: Spark compiled it again each time (two compilations, 0.1-0.6 s each,
    a quarter of the driver's CPU with small batches). With columns, the code is the same and is reused."""
    import datetime as dt

    now = dt.datetime.now(dt.timezone.utc)
    clock = df.sparkSession.createDataFrame([(now, now.date())], "_now timestamp, _today date")
    return df.crossJoin(F.broadcast(clock))


def classified(df: DataFrame) -> DataFrame:
    clocked = with_clock(df)
    return transform.classify(transform.parse(clocked, now=F.col("_now")), today=F.col("_today"))


class BatchHandler:
    """foreachBatch: called on the driver with each micro-batch and its id."""

    def __init__(self, args, cass: CassandraConf, mongo: MongoConf):
        self.args, self.cass, self.mongo = args, cass, mongo
        self.kafka_options = spark_kafka_options(args)
        self._query_id: str | None = None
        self.totals = {"read": 0, "valid": 0, "filtered": 0, "dead": 0, "written": 0}

    def query_id(self) -> str:
        # The query's id is kept in the checkpoint's metadata: stable across restarts from one checkpoint,
        # new for a new checkpoint (whose batch ids start again at 0).
        if self._query_id is None:
            meta = Path(self.args.checkpoint) / "metadata"
            self._query_id = json.loads(meta.read_text().splitlines()[0])["id"]
        return self._query_id

    def __call__(self, df: DataFrame, batch_id: int) -> None:
        # One Spark job: parse and classify once, hash-partition by identifiant (every copy of a profile
        # in one task), then each task counts, de-duplicates and writes. Dead letters, rare, take a second
        # pass over the batch, only when there are some.
        t0 = time.monotonic()
        timing = {}
        records = transform.for_sinks(classified(df))
        parts = (records.repartition(self.args.shuffle_partitions, "identifiant").rdd
                 .mapPartitions(write_partition(self.cass, self.mongo, self.query_id(), batch_id)).collect())
        timing["write"] = time.monotonic() - t0
        counts = {"valid": 0, "filtered": 0, "dead": 0}
        for p in parts:
            for k, v in p[0].items():
                counts[k] += v
        dead = counts["dead"]
        if dead:
            deadletter.write(transform.dead_letters(classified(df)), self.kafka_options, self.args.dlq_topic)
            timing["dlq"] = time.monotonic() - t0 - sum(timing.values())
        written = sum(p[1] for p in parts)
        totals = analytics.merge(p[2] for p in parts)
        apply_totals(self.mongo, totals, self.query_id(), batch_id)
        timing["totals"] = time.monotonic() - t0 - sum(timing.values())
        for p in parts:
            for k, v in p[3].items():
                timing["exec_" + k] = timing.get("exec_" + k, 0.0) + v
        log.debug("batch %d timing: %s", batch_id, " ".join(f"{k}={v:.2f}" for k, v in timing.items()))
        stats = {"read": sum(counts.values()), "valid": counts.get("valid", 0),
                 "filtered": counts.get("filtered", 0), "dead": dead, "written": written}
        for k, v in stats.items():
            self.totals[k] += v
        new_profiles = sum(v["count"] for (c, _), v in totals.items() if c == "by_gender")
        log.info("batch %d: read=%d valid=%d filtered=%d dead_lettered=%d written=%d new_profiles=%d in %.2fs",
                 batch_id, stats["read"], stats["valid"], stats["filtered"], dead, written, new_profiles,
                 time.monotonic() - t0)


def start_query(spark: SparkSession, args, handler: BatchHandler):
    writer = (kafka_stream(spark, args).writeStream.foreachBatch(handler)
              .option("checkpointLocation", args.checkpoint)
              .queryName("users_profiles"))
    if args.available_now:
        writer = writer.trigger(availableNow=True)
    else:
        writer = writer.trigger(processingTime=f"{args.trigger_seconds} seconds")
    return writer.start()
