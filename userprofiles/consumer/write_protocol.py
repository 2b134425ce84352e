"""The micro-batch's writes, top to bottom: what the consumer does with each micro-batch, and why a crash at
any point changes nothing in the end.

1. Spark runs the plan (transform.py) and the per-profile state operator (jvm.py) on the micro-batch's
   records: the latest copy of each profile that changed, with what the profile counted under before, and the
   records that are no profile. The state's new version is written with the micro-batch and counts only once
   Spark commits the micro-batch.
2. In the same tasks (one per state partition; `write_task`, the plan's last step), each task hands its share
   to the row sinks (ROW_SINKS), in order: the profiles table (upserts, deletes), then the dead-letter topic.
   Both are idempotent: a replay writes the same again. Each task returns one row: its counts and deltas.
3. foreachBatch, on the driver (MicroBatchWriter), sums the tasks' rows and hands the counter deltas to the
   totals sinks (TOTALS_SINKS): the analytics, which apply a micro-batch's deltas once per (query,
   micro-batch).
4. Spark commits the offsets and the state. A crash anywhere before that replays the micro-batch from the
   same offsets and the same state, so steps 1-3 make the same writes and deltas again.

A new sink is one file in sinks/ (the shape of sinks/__init__.py) and one line below.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from pyspark.sql import DataFrame

from userprofiles.config import errors
from userprofiles.config.settings import ConsumerSettings
from userprofiles.consumer import analytics
from userprofiles.consumer.progress import ProgressListener, batch_line
from userprofiles.consumer.schema import PROFILE_COLUMNS
from userprofiles.sinks import DeadRecord, Writes
from userprofiles.sinks.cassandra import ProfilesSink
from userprofiles.sinks.deadletter import DeadLetterSink
from userprofiles.sinks.mongo import AnalyticsSink

log = logging.getLogger("consumer")

ROW_SINKS = (ProfilesSink, DeadLetterSink)  # per task, on the executors, in this order
TOTALS_SINKS = (AnalyticsSink,)  # per micro-batch, on the driver

LATENCY_SAMPLE = 200  # rows per task whose end-to-end latency is reported
RESULT_SCHEMA = "result string"  # one row per task: its TaskResult as JSON
# What the tasks read of the state operator's output.
TASK_COLUMNS = ("action", *PROFILE_COLUMNS, "prev_nationality", "prev_gender", "prev_domain_name", "prev_age",
                "copies_valid", "copies_filtered", "reason", "topic", "partition", "offset", "timestamp_ms", "value")
COUNTS = ("valid", "filtered", "dead", "stale", "written", "deleted", "dead_lettered")


@dataclass
class TaskResult:
    """What a task (or, summed, a micro-batch) did: counts by kind (COUNTS), the counter deltas, a sample of
    end-to-end latencies (write time - Kafka timestamp) and the seconds spent per step."""
    counts: dict = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    deltas: analytics.Totals = field(default_factory=dict)
    latencies_ms: list = field(default_factory=list)
    seconds: dict = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"counts": self.counts, "deltas": [[c, k, v] for (c, k), v in self.deltas.items()],
                           "latencies_ms": self.latencies_ms, "seconds": self.seconds})

    @staticmethod
    def from_json(text: str) -> TaskResult:
        d = json.loads(text)
        return TaskResult(d["counts"], {(c, k): v for c, k, v in d["deltas"]}, d["latencies_ms"], d["seconds"])

    @staticmethod
    def total(parts: list[TaskResult]) -> TaskResult:
        out = TaskResult()
        for p in parts:
            for k, v in p.counts.items():
                out.counts[k] = out.counts.get(k, 0) + v
            for k, v in p.seconds.items():
                out.seconds[k] = out.seconds.get(k, 0.0) + v
            out.latencies_ms += p.latencies_ms
        out.deltas = analytics.merge(p.deltas for p in parts)
        return out


def split(batch, query_id: str, batch_id: int) -> tuple[Writes, TaskResult]:
    """One Arrow batch of the state operator's output (TASK_COLUMNS) -> what the row sinks write, and its
    counts and counter deltas (computed in Arrow, not row by row in Python)."""
    import pyarrow.compute as pc

    res = TaskResult()
    action = batch.column("action")
    up, gone, dead = (batch.filter(pc.equal(action, a)) for a in ("upsert", "delete", "dead"))
    res.counts["valid"] = pc.sum(batch.column("copies_valid")).as_py() or 0
    res.counts["filtered"] = pc.sum(batch.column("copies_filtered")).as_py() or 0
    res.counts["stale"] = pc.sum(pc.cast(pc.equal(action, "stale"), "int32")).as_py() or 0
    res.counts["dead"] = dead.num_rows
    deltas: analytics.Totals = {}
    analytics.count(deltas, +1, up)
    previous = ("prev_nationality", "prev_gender", "prev_domain_name", "prev_age")  # null prev_age: not counted
    analytics.count(deltas, -1, up, previous)
    analytics.count(deltas, -1, gone, previous)
    res.deltas = {k: v for k, v in deltas.items() if v["count"] or v["age_sum"]}
    now_ms = time.time() * 1000
    res.latencies_ms = [now_ms - ts for ts in up.column("timestamp_ms").slice(0, LATENCY_SAMPLE).to_pylist()]
    dead_records = ([DeadRecord._make(r) for r in zip(*(dead.column(c).to_pylist() for c in DeadRecord._fields),
                                                      strict=True)] if dead.num_rows else [])
    writes = Writes(query_id, batch_id, upserts=up, deletes=gone.column("identifiant").to_pylist(), dead=dead_records)
    return writes, res


def write_task(settings: ConsumerSettings):
    """What each task runs (mapInArrow, the streaming plan's last step) on its Arrow batches: a closure over
    frozen settings, pickled to the executors once for the query. Yields one row: the task's TaskResult."""
    def run(batches):
        import pyarrow as pa
        from pyspark import TaskContext

        batch_id = int(TaskContext.get().getLocalProperty("streaming.sql.batchId") or -1)
        query_id = ""  # the row sinks do not need it: only the totals sinks apply a micro-batch once
        total = TaskResult()
        sinks = [make.from_settings(settings) for make in ROW_SINKS]
        for sink in sinks:
            sink.open()
        try:
            for batch in batches:
                t0 = time.monotonic()
                writes, res = split(batch, query_id, batch_id)
                res.seconds["split"] = time.monotonic() - t0
                for sink in sinks:
                    t1 = time.monotonic()
                    for k, v in sink.write(writes).items():
                        res.counts[k] = res.counts.get(k, 0) + v
                    res.seconds[type(sink).__name__] = time.monotonic() - t1
                total = TaskResult.total([total, res])
        finally:
            for sink in sinks:
                sink.close()
        yield pa.RecordBatch.from_pydict({"result": [total.to_json()]})
    return run


def task_results(changes: DataFrame, settings: ConsumerSettings) -> DataFrame:
    """The streaming plan's last step: the state operator's output written by the row sinks, task by task;
    one row (RESULT_SCHEMA) per task."""
    return changes.select(*TASK_COLUMNS).mapInArrow(write_task(settings), RESULT_SCHEMA)


class MicroBatchWriter:
    """foreachBatch: called on the driver with each micro-batch's task results (task_results) and its id."""

    def __init__(self, settings: ConsumerSettings, progress: ProgressListener | None = None):
        self.settings, self.progress = settings, progress
        self.checkpoint = settings.stream.checkpoint_dir
        self._query_id: str | None = None
        self.totals_sinks = [make.from_settings(settings) for make in TOTALS_SINKS]
        for sink in self.totals_sinks:
            sink.open()
        self.totals = dict.fromkeys(("read", *COUNTS), 0)

    def query_id(self) -> str:
        # The query's id is kept in the checkpoint's metadata: stable across restarts from one checkpoint,
        # new for a new checkpoint (whose micro-batch ids start again at 0).
        if self._query_id is None:
            meta = Path(self.checkpoint) / "metadata"
            self._query_id = json.loads(meta.read_text().splitlines()[0])["id"]
        return self._query_id

    def close(self) -> None:
        for sink in self.totals_sinks:
            sink.close()

    def __call__(self, results: DataFrame, batch_id: int) -> None:
        try:
            self._write(results, batch_id)
        except Exception as exc:  # one line with the micro-batch, the cause and the fix, instead of Spark's prose
            raise errors.BatchFailed(f"micro-batch {batch_id}: {errors.cause_line(exc, self.checkpoint)}") from None

    def _write(self, results: DataFrame, batch_id: int) -> None:
        t0 = time.monotonic()
        query_id = self.query_id()
        # Runs the micro-batch: its plan as Spark made it, with no new plan to analyse (a DataFrame made from
        # it here would be analysed and optimised again, every micro-batch).
        res = TaskResult.total([TaskResult.from_json(r.result) for r in results.collect()])
        t_job = time.monotonic()
        for sink in self.totals_sinks:
            sink.write(Writes(query_id, batch_id, deltas=res.deltas))
        log.debug("micro-batch %d timing: job=%.3f totals=%.3f tasks: %s", batch_id, t_job - t0,
                  time.monotonic() - t_job, " ".join(f"{k}={v:.3f}" for k, v in res.seconds.items()))
        stats = {"read": res.counts["valid"] + res.counts["filtered"] + res.counts["dead"], **res.counts}
        for k in self.totals:
            self.totals[k] += stats.get(k, 0)
        stats.update(seconds=time.monotonic() - t0, latencies_ms=res.latencies_ms)
        if self.progress is not None:
            self.progress.add(batch_id, stats)  # logged by the listener once Spark commits the micro-batch
        else:
            log.info(batch_line(batch_id, stats, seconds=stats["seconds"]))
