"""The streaming query: Kafka -> parse/validate/transform -> executors (rows, claims, dead letters) ->
the batch's counter deltas applied once on the driver.

The transformations are the pure functions of transform.py; the executor side is executor.py.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import time
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from . import errors, executor, transform
from .config import kafka_client_config, spark_kafka_options
from .sinks.cassandra import CassandraConf
from .sinks.deadletter import DeadLetterConf
from .sinks.mongo import MongoConf, apply_totals
from .progress import ProgressListener, batch_line
from .spark_runtime import skip_static_zip_rereads

log = logging.getLogger("consumer")


def kafka_stream(spark: SparkSession, args) -> DataFrame:
    reader = (spark.readStream.format("kafka").options(**spark_kafka_options(args))
              .option("subscribe", args.topic)
              .option("startingOffsets", args.starting_offsets)
              .option("includeHeaders", "false"))
    if args.max_offsets_per_trigger > 0:
        reader = reader.option("maxOffsetsPerTrigger", str(args.max_offsets_per_trigger))
    return reader.load()


def batch_time(offset_log: str) -> dt.datetime:
    """The batch's clock from its offset-log entry (`offsets/<batch id>` in the checkpoint): Spark writes
    `batchTimestampMs` there before the batch runs and restores it when it replays the batch, so every
    attempt of a batch classifies each message on the same instant (a user turning 14 at midnight is
    counted by all attempts or by none)."""
    lines = offset_log.splitlines()
    if len(lines) < 2 or not lines[0].startswith("v"):
        raise ValueError("not a Structured Streaming offset log entry")
    return dt.datetime.fromtimestamp(json.loads(lines[1])["batchTimestampMs"] / 1000, dt.timezone.utc)


def read_offset_log(spark: SparkSession, checkpoint: str, batch_id: int) -> str:
    """The text of offsets/<batch_id>: from the local disk, or through Hadoop's FileSystem for a URI."""
    local = Path(checkpoint[5:] if checkpoint.startswith("file:") else checkpoint) / "offsets" / str(batch_id)
    if "://" not in checkpoint or checkpoint.startswith("file:"):
        return local.read_text(encoding="utf-8")
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(f"{checkpoint.rstrip('/')}/offsets/{batch_id}")
    stream = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).open(path)
    try:
        return jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8")
    finally:
        stream.close()


def with_clock(df: DataFrame, now: dt.datetime) -> DataFrame:
    """The batch with its clock as two columns, `_now` (timestamp) and `_today` (UTC date), joined from a
    one-row table. As literals they would change Spark's generated code at every batch, which was then
    compiled again each time; as columns the code is reused."""
    clock = df.sparkSession.createDataFrame([(now, now.date())], "_now timestamp, _today date")
    return df.crossJoin(F.broadcast(clock))


def classified(df: DataFrame, now: dt.datetime) -> DataFrame:
    clocked = with_clock(df, now)
    return transform.classify(transform.parse(clocked, now=F.col("_now")), today=F.col("_today"))


def partition_writer(*, cass: CassandraConf, mongo: MongoConf, dlq: DeadLetterConf, query: str, batch: int):
    """The function each task runs on its records (a closure over plain settings, shipped to executors)."""
    def run(rows):
        skip_static_zip_rereads()
        return iter([executor.process(rows, cass=cass, mongo_conf=mongo, dlq=dlq, query=query, batch=batch)])
    return run


class BatchHandler:
    """foreachBatch: called on the driver with each micro-batch and its id."""

    def __init__(self, args, cass: CassandraConf, mongo: MongoConf, progress: ProgressListener | None = None):
        self.args, self.cass, self.mongo, self.progress = args, cass, mongo, progress
        self.dlq = DeadLetterConf(topic=args.dlq_topic, client=kafka_client_config(args),
                                  timeout_s=args.sink_retry_seconds)
        self._query_id: str | None = None
        self.totals = {"read": 0, "valid": 0, "filtered": 0, "dead": 0, "refused": 0, "written": 0, "deleted": 0,
                       "stale": 0}

    def query_id(self) -> str:
        # The query's id is kept in the checkpoint's metadata: stable across restarts from one checkpoint,
        # new for a new checkpoint (whose batch ids start again at 0).
        if self._query_id is None:
            meta = Path(self.args.checkpoint) / "metadata"
            self._query_id = json.loads(meta.read_text().splitlines()[0])["id"]
        return self._query_id

    def __call__(self, df: DataFrame, batch_id: int) -> None:
        try:
            self._run(df, batch_id)
        except Exception as exc:  # one line with the batch, the cause and the fix, instead of Spark's prose
            raise errors.BatchFailed(f"batch {batch_id}: {errors.cause_line(exc, self.args.checkpoint)}") from None

    def _run(self, df: DataFrame, batch_id: int) -> None:
        # One Spark job: parse and classify once, hash-partition by identifiant (every copy of a profile in
        # one task), then each task writes its rows, claims and dead letters; the driver adds the deltas.
        t0 = time.monotonic()
        now = batch_time(read_offset_log(df.sparkSession, self.args.checkpoint, batch_id))
        records = transform.for_sinks(classified(df, now))
        write = partition_writer(cass=self.cass, mongo=self.mongo, dlq=self.dlq, query=self.query_id(),
                                 batch=batch_id)
        parts = records.repartition(self.args.shuffle_partitions, "identifiant").rdd.mapPartitions(write).collect()
        t1 = time.monotonic()
        res = executor.TaskResult.total(parts)
        apply_totals(self.mongo, res.deltas, self.query_id(), batch_id)
        log.debug("batch %d timing: tasks=%.2f counters=%.2f %s", batch_id, t1 - t0, time.monotonic() - t1,
                  " ".join(f"{k}={v:.2f}" for k, v in res.seconds.items()))
        stats = {"read": sum(res.counts.values()), **res.counts, "refused": res.refused, "written": res.written,
                 "deleted": res.deleted, "stale": res.stale}
        for k, v in stats.items():
            self.totals[k] += v
        stats.update(seconds=time.monotonic() - t0, latencies_ms=res.latencies_ms)
        if self.progress is not None:
            self.progress.add(batch_id, stats)  # logged by the listener once Spark commits the batch
        else:
            log.info(batch_line(batch_id, stats, seconds=stats["seconds"]))


def start_query(spark: SparkSession, args, handler: BatchHandler):
    writer = (kafka_stream(spark, args).writeStream.foreachBatch(handler)
              .option("checkpointLocation", args.checkpoint)
              .queryName("users_profiles"))
    if args.available_now:
        writer = writer.trigger(availableNow=True)
    else:
        writer = writer.trigger(processingTime=f"{args.trigger_seconds} seconds")
    return writer.start()
