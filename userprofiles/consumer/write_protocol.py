"""The micro-batch's writes, top to bottom: what the consumer does with each micro-batch, and why a crash at
any point changes nothing in the end. The sinks are the registered ones (sinks/registry.py), each keeping
the contract of sinks/__init__.py, which is Spark's own for a streaming writer; this module knows none of
them by name.

1. Spark runs the plan (transform.py) and the per-profile state operator (jvm.py) on the micro-batch's
   records: the latest copy of each profile that changed, with what the profile counted under before, and the
   records that are no profile. The state's new version is written with the micro-batch and counts only once
   Spark commits the micro-batch.
2. In the same tasks (one per state partition; `write_task`, the plan's last step), each task hands its share
   (TaskRows) to every sink's `write`, in the registry's order. Each returns a CommitMessage; the task returns
   one row: its own counts and every sink's messages.
3. foreachBatch, on the driver (MicroBatchWriter), gives each sink the messages of all the tasks in its
   `commit`, once per micro-batch: the analytics apply the micro-batch's counter deltas there, at most once
   per (query, micro-batch).
4. Spark commits the offsets and the state. A crash anywhere before that replays the micro-batch from the
   same offsets and the same state, so steps 1-3 make the same writes, messages and commits again.
"""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from pyspark.sql import DataFrame

from userprofiles import internals
from userprofiles.config import errors
from userprofiles.config.settings import ConsumerSettings
from userprofiles.consumer.progress import ProgressListener, batch_line
from userprofiles.domain.profile import PREVIOUS, PROFILE_COLUMNS
from userprofiles.sinks import Batch, CommitMessage, DeadRecord, StreamSink, TaskRows
from userprofiles.sinks.registry import SINKS

log = logging.getLogger("consumer")

LATENCY_SAMPLE = 200  # rows per task whose end-to-end latency is reported
RESULT_SCHEMA = "result string"  # one row per task: its TaskResult as JSON
# What the tasks read of the state operator's output.
TASK_COLUMNS = ("action", *PROFILE_COLUMNS, *PREVIOUS, "copies_valid", "copies_filtered", "reason", "topic",
                "partition", "offset", "timestamp_ms", "value")
# The protocol's own counts of a micro-batch's records: valid and filtered copies, messages that are no
# profile, copies older than the state's.
COUNTS = ("valid", "filtered", "dead", "stale")


@dataclass
class TaskResult:
    """What a task (or, summed, a micro-batch) did: its counts (COUNTS), each sink's commit messages (by the
    sink's name), a sample of end-to-end latencies (write time - Kafka timestamp) and the seconds per step."""
    counts: dict = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    messages: dict = field(default_factory=dict)
    latencies_ms: list = field(default_factory=list)
    seconds: dict = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"counts": self.counts, "latencies_ms": self.latencies_ms, "seconds": self.seconds,
                           "messages": {k: [m.to_json() for m in v] for k, v in self.messages.items()}})

    @staticmethod
    def from_json(text: str) -> TaskResult:
        d = json.loads(text)
        return TaskResult(d["counts"], {k: [CommitMessage.from_json(m) for m in v] for k, v in d["messages"].items()},
                          d["latencies_ms"], d["seconds"])

    @staticmethod
    def total(parts: Sequence[TaskResult]) -> TaskResult:
        out = TaskResult()
        for p in parts:
            for k, v in p.counts.items():
                out.counts[k] = out.counts.get(k, 0) + v
            for k, v in p.seconds.items():
                out.seconds[k] = out.seconds.get(k, 0.0) + v
            for k, v in p.messages.items():
                out.messages.setdefault(k, []).extend(v)
            out.latencies_ms += p.latencies_ms
        return out


def split(batch, batch_id: int) -> tuple[TaskRows, TaskResult]:
    """One Arrow batch of the state operator's output (TASK_COLUMNS) -> what the sinks write (TaskRows), and
    the protocol's counts of it (computed in Arrow, not row by row in Python)."""
    import pyarrow.compute as pc

    res = TaskResult()
    action = batch.column("action")
    up, gone, dead = (batch.filter(pc.equal(action, a)) for a in ("upsert", "delete", "dead"))
    res.counts["valid"] = pc.sum(batch.column("copies_valid")).as_py() or 0
    res.counts["filtered"] = pc.sum(batch.column("copies_filtered")).as_py() or 0
    res.counts["stale"] = pc.sum(pc.cast(pc.equal(action, "stale"), "int32")).as_py() or 0
    res.counts["dead"] = dead.num_rows
    now_ms = time.time() * 1000
    res.latencies_ms = [now_ms - ts for ts in up.column("timestamp_ms").slice(0, LATENCY_SAMPLE).to_pylist()]
    dead_records = ([DeadRecord._make(r) for r in zip(*(dead.column(c).to_pylist() for c in DeadRecord._fields),
                                                      strict=True)] if dead.num_rows else [])
    rows = TaskRows(batch_id, upserts=up.select([*PROFILE_COLUMNS, *PREVIOUS]),
                    deletes=gone.select(["identifiant", *PREVIOUS]), dead=dead_records)
    return rows, res


def write_task(settings: ConsumerSettings, sinks: Sequence[type[StreamSink]] = SINKS):
    """What each task runs (mapInArrow, the streaming plan's last step) on its Arrow batches: a closure over
    frozen settings and the sinks' classes, pickled to the executors once for the query. Yields one row: the
    task's TaskResult."""
    def run(batches):
        import pyarrow as pa

        batch_id = internals.task_batch_id()
        total = TaskResult()
        opened = [make.from_settings(settings) for make in sinks]
        try:
            for sink in opened:
                sink.open()
            for batch in batches:
                t0 = time.monotonic()
                rows, res = split(batch, batch_id)
                res.seconds["split"] = time.monotonic() - t0
                for sink in opened:
                    t1 = time.monotonic()
                    res.messages[sink.name] = [sink.write(rows)]
                    res.seconds[sink.name] = time.monotonic() - t1
                total = TaskResult.total([total, res])
        finally:
            for sink in opened:
                sink.close()
        yield pa.RecordBatch.from_pydict({"result": [total.to_json()]})
    return run


def task_results(changes: DataFrame, settings: ConsumerSettings,
                 sinks: Sequence[type[StreamSink]] = SINKS) -> DataFrame:
    """The streaming plan's last step: the state operator's output written by the sinks, task by task; one row
    (RESULT_SCHEMA) per task."""
    return changes.select(*TASK_COLUMNS).mapInArrow(write_task(settings, sinks), RESULT_SCHEMA)


class MicroBatchWriter:
    """foreachBatch: called on the driver with each micro-batch's task results (task_results) and its id; each
    sink's commit, then the micro-batch's figures."""

    def __init__(self, settings: ConsumerSettings, progress: ProgressListener | None = None,
                 sinks: Sequence[type[StreamSink]] = SINKS):
        self.settings, self.progress = settings, progress
        self.checkpoint = settings.stream.checkpoint_dir
        self._query_id: str | None = None
        self.sinks = [make.from_settings(settings) for make in sinks]
        self.totals: dict[str, int] = dict.fromkeys(("read", *COUNTS), 0)

    def query_id(self) -> str:
        # Stable across restarts from one checkpoint, new for a new checkpoint (whose micro-batch ids start
        # again at 0): what a sink that applies a micro-batch once keys it by.
        if self._query_id is None:
            self._query_id = internals.checkpoint_query_id(self.checkpoint)
        return self._query_id

    def close(self) -> None:
        for sink in self.sinks:
            sink.close()

    def __call__(self, results: DataFrame, batch_id: int) -> None:
        try:
            self._write(results, batch_id)
        except Exception as exc:  # one line with the micro-batch, the cause and the fix, instead of Spark's prose
            raise errors.BatchFailed(f"micro-batch {batch_id}: {errors.cause_line(exc, self.checkpoint)}") from None

    def _write(self, results: DataFrame, batch_id: int) -> None:
        t0 = time.monotonic()
        batch = Batch(self.query_id(), batch_id)
        # Runs the micro-batch: its plan as Spark made it, with no new plan to analyse (a DataFrame made from
        # it here would be analysed and optimised again, every micro-batch).
        res = TaskResult.total([TaskResult.from_json(r.result) for r in results.collect()])
        t_job = time.monotonic()
        stats = {"read": res.counts["valid"] + res.counts["filtered"] + res.counts["dead"], **res.counts}
        for sink in self.sinks:
            counts = sink.commit(res.messages.get(sink.name, []), batch)
            stats.update({f"{sink.name}.{k}": v for k, v in counts.items()})
        log.debug("micro-batch %d timing: job=%.3f commits=%.3f tasks: %s", batch_id, t_job - t0,
                  time.monotonic() - t_job, " ".join(f"{k}={v:.3f}" for k, v in res.seconds.items()))
        for k, v in stats.items():
            self.totals[k] = self.totals.get(k, 0) + v
        stats.update(seconds=time.monotonic() - t0, latencies_ms=res.latencies_ms)
        if self.progress is not None:
            self.progress.add(batch_id, stats)  # logged by the listener once Spark commits the micro-batch
        else:
            log.info(batch_line(batch_id, stats, seconds=stats["seconds"]))
