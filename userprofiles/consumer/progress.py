"""Watching the stream the Spark way: a StreamingQueryListener that logs one line per micro-batch (rates
and duration from Spark's progress, rows written and dead-lettered from the micro-batch handler, Kafka lag from
the source's offsets), and optional Prometheus metrics on a loopback port."""
from __future__ import annotations

import json
import logging
import threading
import time

from pyspark.sql.streaming import StreamingQueryListener

from userprofiles.consumer.consumer_group import BatchNote, GroupCommitter, end_offsets, percentile
from userprofiles.consumer.progress_record import ProgressRecorder

log = logging.getLogger("consumer")


def kafka_lag(latest_offset: str | dict | None, end_offset: str | dict | None) -> dict[str, int]:
    """{topic: messages behind} from a Kafka source progress' latestOffset and endOffset (JSON texts)."""
    try:  # JSON texts, or already parsed (a progress event read from its JSON)
        latest, end = (json.loads(v) if isinstance(v, str) else v for v in (latest_offset, end_offset))
    except (TypeError, ValueError):  # not known yet (Spark gives no latestOffset for some triggers)
        return {}
    if not isinstance(latest, dict) or not isinstance(end, dict):
        return {}
    return {topic: sum(max(0, off - end.get(topic, {}).get(p, 0)) for p, off in parts.items())
            for topic, parts in latest.items()}


def state_size(progress) -> dict[str, int]:
    """The per-profile state after a micro-batch, from Spark's progress: profiles held, memory and SST bytes."""
    if not progress.stateOperators:
        return {}
    op = progress.stateOperators[0]
    return {"profiles": op.numRowsTotal, "memory_bytes": op.memoryUsedBytes,
            "sst_bytes": int(op.customMetrics.get("rocksdbSstFileSize", 0) or 0)}


def batch_line(batch: int, stats: dict, *, seconds: float, input_rate: float | None = None,
               processed_rate: float | None = None, lag: dict[str, int] | None = None,
               state: dict[str, int] | None = None) -> str:
    rates = "" if input_rate is None else f" input={input_rate:,.0f}/s processed={processed_rate:,.0f}/s"
    lag_text = "" if lag is None else " lag " + " ".join(f"{t}={n:,}" for t, n in lag.items())
    state_text = "" if not state else (f" state={state['profiles']:,} profiles "
                                       f"({state['memory_bytes'] / 2**20:,.0f} MB memory, "
                                       f"{state['sst_bytes'] / 2**20:,.0f} MB files)")
    sinks = "".join(f" {k}={v}" for k, v in sink_counts(stats).items())
    return (f"micro-batch {batch}: read={stats['read']} valid={stats['valid']} filtered={stats['filtered']} "
            f"dead={stats['dead']} stale={stats['stale']}{sinks} in {seconds:.2f}s{rates}{lag_text}{state_text}")


def sink_counts(stats: dict) -> dict[str, int]:
    """The sinks' counts of a micro-batch's STATS: "<sink>.<count>" (write_protocol.MicroBatchWriter)."""
    return {k: v for k, v in stats.items() if "." in k}


class Metrics:
    """The consumer's Prometheus metrics, served on HOST:PORT (off unless --metrics-port is given)."""

    def __init__(self, port: int, host: str = "127.0.0.1"):
        from prometheus_client import Counter, Gauge, Histogram, start_http_server

        self.rows = Counter("userprofiles_rows", "records of the topic by outcome", ["outcome"])
        self.sinks = Counter("userprofiles_sink", "what each sink counted (profiles.written, ...)", ["count"])
        self.batch_seconds = Histogram("userprofiles_batch_duration_seconds", "micro-batch duration",
                                       buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60))
        self.lag = Gauge("userprofiles_kafka_lag", "messages not yet processed", ["topic"])
        self.latency = Histogram("userprofiles_end_to_end_latency_seconds",
                                 "Cassandra write time - Kafka timestamp (a sample of rows per task)",
                                 buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300))
        start_http_server(port, addr=host)

    def record(self, stats: dict, seconds: float, lag: dict[str, int], latencies_ms) -> None:
        for outcome in ("valid", "filtered", "dead", "stale"):
            self.rows.labels(outcome).inc(stats[outcome])
        for name, n in sink_counts(stats).items():
            self.sinks.labels(name).inc(n)
        self.batch_seconds.observe(seconds)
        for topic, n in lag.items():
            self.lag.labels(topic).set(n)
        for ms in latencies_ms:
            self.latency.observe(ms / 1000)


class ProgressListener(StreamingQueryListener):
    """One log line per micro-batch, once Spark has committed it. The micro-batch handler leaves its figures in
    `pending` (by micro-batch id); Spark's progress event brings the rates, the duration and the offsets."""

    def __init__(self, metrics: Metrics | None = None, group: GroupCommitter | None = None,
                 recorder: ProgressRecorder | None = None):
        self.pending: dict[int, dict] = {}
        self.metrics = metrics
        self.group = group
        self.recorder = recorder
        self._committed: dict = {}
        self._lock = threading.Lock()

    def onQueryStarted(self, event) -> None:
        pass

    def onQueryProgress(self, event) -> None:
        p = event.progress
        src = p.sources[0] if p.sources else None
        with self._lock:
            stats = self.pending.get(p.batchId)
        # Spark has committed the micro-batch: its end offsets go to the consumer group before the micro-batch
        # leaves `pending`, so that drain() at the end also waits for the last commit.
        self._commit_group(p, src, stats)
        with self._lock:
            self.pending.pop(p.batchId, None)
        if stats is None:
            return  # no data in this trigger
        lag = kafka_lag(src.latestOffset, src.endOffset) if src else {}
        seconds = p.batchDuration / 1000
        # Spark's own breakdown of the micro-batch (addBatch is the Kafka read and the foreachBatch job).
        log.debug("micro-batch %d phases ms: %s", p.batchId,
                  " ".join(f"{k}={v}" for k, v in sorted(p.durationMs.items())))
        log.info(batch_line(p.batchId, stats, seconds=seconds, input_rate=p.inputRowsPerSecond,
                            processed_rate=p.processedRowsPerSecond, lag=lag, state=state_size(p)))
        if self.metrics:
            self.metrics.record(stats, seconds, lag, stats.get("latencies_ms", ()))

    def _commit_group(self, p, src, stats: dict | None) -> None:
        if self.group is None or src is None:
            return
        ends = end_offsets(src.endOffset)
        if not ends or ends == self._committed:
            return
        latencies = stats.get("latencies_ms", ()) if stats else ()
        note = BatchNote(p.batchId, int(time.time() * 1000), int(p.numInputRows or 0),
                         percentile(latencies, 50), percentile(latencies, 95))
        if self.group.commit(ends, note):
            self._committed = ends
            if self.recorder is not None:   # the dashboard's history: after the commit, like the lag it shows
                self.recorder.record(note, stats, int(p.batchDuration or 0))

    def onQueryIdle(self, event) -> None:
        pass

    def onQueryTerminated(self, event) -> None:
        pass

    def add(self, batch: int, stats: dict) -> None:
        with self._lock:
            self.pending[batch] = stats

    def drain(self, wait_s: float = 3.0) -> None:
        """At the end: wait for the last progress events, then log what never got one (no rates)."""
        deadline = time.monotonic() + wait_s
        while self.pending and time.monotonic() < deadline:
            time.sleep(0.1)
        with self._lock:
            left, self.pending = self.pending, {}
        for batch, stats in sorted(left.items()):
            log.info(batch_line(batch, stats, seconds=stats["seconds"]))
