"""foreachBatch on the driver: each micro-batch's records go to tasks (executor.py), whose results are summed
and whose counter deltas are applied once, guarded by the micro-batch's id."""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession

from . import errors, executor
from .progress import ProgressListener, batch_line
from .settings import ConsumerSettings
from .sinks.deadletter import DeadLetterConf
from .sinks.mongo import apply_totals

log = logging.getLogger("consumer")


def batch_records(offset_log: str, previous_log: str | None) -> int | None:
    """How many Kafka records a micro-batch holds: its end offsets (offset-log entry) minus the previous
    one's. None when that is not known (the first micro-batch, or a partition that was not there before)."""
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


def task_function(settings: ConsumerSettings, dlq: DeadLetterConf, query_id: str, batch_id: int):
    """What each task runs on its records: a closure over frozen settings, pickled to the executors."""
    cass, mongo_settings = settings.cassandra, settings.mongo

    def run(rows):
        return iter([executor.process(rows, cass=cass, mongo_settings=mongo_settings, dlq=dlq, query_id=query_id,
                                      batch_id=batch_id)])
    return run


class BatchHandler:
    """foreachBatch: called on the driver with each micro-batch and its id."""

    def __init__(self, settings: ConsumerSettings, progress: ProgressListener | None = None):
        self.settings, self.progress = settings, progress
        self.checkpoint = settings.stream.checkpoint_dir
        self.dlq = DeadLetterConf(topic=settings.kafka.dlq_topic, client=settings.kafka.client_config(),
                                  timeout_s=settings.sink_retry_seconds)
        self._query_id: str | None = None
        self.totals = {"read": 0, "valid": 0, "filtered": 0, "dead": 0, "refused": 0, "written": 0, "deleted": 0,
                       "stale": 0}

    def query_id(self) -> str:
        # The query's id is kept in the checkpoint's metadata: stable across restarts from one checkpoint,
        # new for a new checkpoint (whose micro-batch ids start again at 0).
        if self._query_id is None:
            meta = Path(self.checkpoint) / "metadata"
            self._query_id = json.loads(meta.read_text().splitlines()[0])["id"]
        return self._query_id

    def _size(self, spark: SparkSession, batch_id: int) -> int | None:
        if batch_id == 0:
            return None
        try:
            previous = read_offset_log(spark, self.checkpoint, batch_id - 1)
        except Exception:  # purged (Spark keeps the last 100) or unreadable: the size is unknown
            return None
        return batch_records(read_offset_log(spark, self.checkpoint, batch_id), previous)

    def __call__(self, df: DataFrame, batch_id: int) -> None:
        try:
            self._run(df, batch_id)
        except Exception as exc:  # one line with the micro-batch, the cause and the fix, instead of Spark's prose
            raise errors.BatchFailed(f"micro-batch {batch_id}: {errors.cause_line(exc, self.checkpoint)}") from None

    def _run(self, records: DataFrame, batch_id: int) -> None:
        # One Spark job: the records (parsed and classified once, by the streaming plan) go to tasks that each
        # hold every copy of their profiles; each task writes its rows, claims and dead letters.
        t0 = time.monotonic()
        stream = self.settings.stream
        size = self._size(records.sparkSession, batch_id)
        if size is not None and size <= stream.single_task_records:
            # A small micro-batch runs as one task, all copies of each profile in it, without a shuffle: the
            # shuffle's second stage and its scheduling were most of a small micro-batch's fixed cost.
            records = records.coalesce(1)
        else:
            records = records.repartition(stream.shuffle_partitions, "identifiant")
        run = task_function(self.settings, self.dlq, self.query_id(), batch_id)
        t_job = time.monotonic()
        res = executor.TaskResult.total(records.rdd.mapPartitions(run).collect())
        t1 = time.monotonic()
        apply_totals(self.settings.mongo, res.deltas, self.query_id(), batch_id)
        log.debug("micro-batch %d timing: prepare=%.3f job=%.3f counters=%.3f tasks: %s", batch_id, t_job - t0,
                  t1 - t_job, time.monotonic() - t1, " ".join(f"{k}={v:.3f}" for k, v in res.seconds.items()))
        stats = {"read": sum(res.counts.values()), **res.counts, "refused": res.refused, "written": res.written,
                 "deleted": res.deleted, "stale": res.stale}
        for k, v in stats.items():
            self.totals[k] += v
        stats.update(seconds=time.monotonic() - t0, latencies_ms=res.latencies_ms)
        if self.progress is not None:
            self.progress.add(batch_id, stats)  # logged by the listener once Spark commits the micro-batch
        else:
            log.info(batch_line(batch_id, stats, seconds=stats["seconds"]))
