"""The streaming job: Kafka -> parse/validate/transform -> Cassandra rows + MongoDB analytics + dead letters.

I/O lives here and in sinks/; the transformations are the pure functions of transform.py.
"""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession

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


def write_partition(cass: CassandraConf, mongo: MongoConf, query: str, batch: int):
    """The executor side of a batch: upsert the partition's rows, claim them, return partial counters."""
    def run(rows):
        t0 = time.monotonic()
        rows = [tuple(r) for r in rows]
        if not rows:
            return iter([(0, {}, {})])
        t1 = time.monotonic()
        written = write_rows(cass, rows)
        t2 = time.monotonic()
        profiles = [dict(zip(PROFILE_COLUMNS, r)) for r in rows]
        new = claim(mongo, profiles, query, batch)
        t3 = time.monotonic()
        return iter([(written, analytics.totals(new), {"read": t1 - t0, "cassandra": t2 - t1, "claims": t3 - t2})])
    return run


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
        t0 = time.monotonic()
        timing = {}
        classified = transform.classify(transform.parse(df)).persist()
        try:
            counts = {r["status"]: r["count"] for r in classified.groupBy("status").count().collect()}
            timing["count"] = time.monotonic() - t0
            dead = counts.get("dead", 0)
            if dead:
                deadletter.write(transform.dead_letters(classified), self.kafka_options, self.args.dlq_topic)
            timing["dlq"] = time.monotonic() - t0 - sum(timing.values())
            rows = transform.dedupe(transform.to_profiles(classified)).select(*PROFILE_COLUMNS)
            parts = rows.rdd.mapPartitions(write_partition(self.cass, self.mongo, self.query_id(), batch_id)).collect()
            timing["write"] = time.monotonic() - t0 - sum(timing.values())
        finally:
            classified.unpersist()
        written = sum(p[0] for p in parts)
        totals = analytics.merge(p[1] for p in parts)
        apply_totals(self.mongo, totals, self.query_id(), batch_id)
        timing["totals"] = time.monotonic() - t0 - sum(timing.values())
        for p in parts:
            for k, v in p[2].items():
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
