"""The streaming query: Kafka -> parse/validate/transform -> executors (rows, claims, dead letters) ->
the batch's counter deltas applied once on the driver.

The transformations are the pure functions of transform.py; the executor side is executor.py.
"""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession

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
              .option("includeHeaders", "false")
              # The consumer waits this long for a fetch to fill: at its default (500 ms) a small batch
              # spent most of its time in it.
              .option("kafka.fetch.max.wait.ms", str(args.kafka_fetch_wait_ms)))
    if args.max_offsets_per_trigger > 0:
        reader = reader.option("maxOffsetsPerTrigger", str(args.max_offsets_per_trigger))
    return reader.load()


def batch_records(offset_log: str, previous_log: str | None) -> int | None:
    """How many Kafka records the batch holds: its end offsets (offset-log entry) minus the previous
    batch's. None when that is not known (the first batch, or a partition that was not there before)."""
    if previous_log is None:
        return None
    end, start = (json.loads(text.splitlines()[2]) for text in (offset_log, previous_log))
    try:
        return sum(off - start[topic][p] for topic, parts in end.items() for p, off in parts.items())
    except KeyError:
        return None


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

    def _previous_offset_log(self, spark: SparkSession, batch_id: int) -> str | None:
        if batch_id == 0:
            return None
        try:
            return read_offset_log(spark, self.args.checkpoint, batch_id - 1)
        except Exception:  # purged (Spark keeps the last 100) or unreadable: the batch's size is unknown
            return None

    def __call__(self, df: DataFrame, batch_id: int) -> None:
        try:
            self._run(df, batch_id)
        except Exception as exc:  # one line with the batch, the cause and the fix, instead of Spark's prose
            raise errors.BatchFailed(f"batch {batch_id}: {errors.cause_line(exc, self.args.checkpoint)}") from None

    def _run(self, df: DataFrame, batch_id: int) -> None:
        # One Spark job: the records (parsed and classified once) go to tasks that each hold every copy of
        # their profiles; each task writes its rows, claims and dead letters; the driver adds the deltas.
        t0 = time.monotonic()
        records = df  # already parsed and classified by the streaming plan (see start_query)
        size = batch_records(read_offset_log(df.sparkSession, self.args.checkpoint, batch_id),
                             self._previous_offset_log(df.sparkSession, batch_id))
        if size is not None and size <= self.args.single_task_records:
            # A small batch runs as one task, all copies of each profile in it, without a shuffle: the
            # shuffle's second stage and its scheduling were most of a small batch's fixed cost.
            records = records.coalesce(1)
        else:
            records = records.repartition(self.args.shuffle_partitions, "identifiant")
        write = partition_writer(cass=self.cass, mongo=self.mongo, dlq=self.dlq, query=self.query_id(),
                                 batch=batch_id)
        t_job = time.monotonic()
        parts = records.rdd.mapPartitions(write).collect()
        t1 = time.monotonic()
        res = executor.TaskResult.total(parts)
        apply_totals(self.mongo, res.deltas, self.query_id(), batch_id)
        log.debug("batch %d timing: prepare=%.3f job=%.3f counters=%.3f tasks: %s", batch_id, t_job - t0, t1 - t_job,
                  time.monotonic() - t1,
                  " ".join(f"{k}={v:.3f}" for k, v in res.seconds.items()))
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
    # The transformations are part of the streaming plan: Spark analyses them once, not per batch, and
    # gives current_timestamp()/current_date() the batch's timestamp from its offset-log entry, which a
    # replayed batch gets back (a user turning 14 at midnight is counted by all attempts or by none).
    records = transform.sink_records(kafka_stream(spark, args))
    writer = (records.writeStream.foreachBatch(handler)
              .option("checkpointLocation", args.checkpoint)
              .queryName("users_profiles"))
    if args.available_now:
        writer = writer.trigger(availableNow=True)
    else:
        writer = writer.trigger(processingTime=f"{args.trigger_seconds} seconds")
    return writer.start()
