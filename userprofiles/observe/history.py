"""The consumer's throughput and latency history (one `stream_progress` document per committed micro-batch,
written by progress.ProgressRecorder) and whether the consumer looks alive. Pure functions plus a small
in-memory store; the unit tests check them without any service."""
from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

COLLECTION = "stream_progress"
KEEP = 6 * 3600                     # seconds of history kept in memory: the longest window
# window label -> (seconds shown, seconds per throughput bucket)
WINDOWS = {"10 min": (600, 10), "1 h": (3600, 60), "6 h": (6 * 3600, 300)}


@dataclass(frozen=True)
class Point:
    committed_ms: int
    batch: int
    rows: int
    p50_ms: float | None
    p95_ms: float | None


def point(doc: Mapping) -> Point | None:
    """A stream_progress document -> Point; None when it lacks the commit time or the batch."""
    try:
        return Point(int(doc["committed_ms"]), int(doc["batch"]), int(doc.get("rows") or 0),
                     _num(doc.get("p50_ms")), _num(doc.get("p95_ms")))
    except (KeyError, TypeError, ValueError):
        return None


def _num(v) -> float | None:
    return None if v is None else float(v)


def bucket_rates(points: Iterable[Point], now: float, span: float, bucket: float) -> list[tuple[float, float]]:
    """(bucket start, messages/s consumed) for each BUCKET seconds of the last SPAN; a micro-batch counts in
    the bucket where it was committed; empty buckets are 0. Buckets start on multiples of BUCKET, so that
    the bars stay put between two refreshes."""
    end = (now // bucket + 1) * bucket
    start = end - span
    n = int(span // bucket)
    sums = [0] * n
    for p in points:
        i = int((p.committed_ms / 1000 - start) // bucket)
        if 0 <= i < n:
            sums[i] += p.rows
    return [(start + i * bucket, s / bucket) for i, s in enumerate(sums)]


def latencies(points: Iterable[Point], now: float, span: float) -> list[tuple[float, float | None, float | None]]:
    """(commit time, p50 s, p95 s) of each micro-batch of the last SPAN seconds that carried latencies."""
    return [(p.committed_ms / 1000, None if p.p50_ms is None else p.p50_ms / 1000,
             None if p.p95_ms is None else p.p95_ms / 1000)
            for p in points if p.committed_ms / 1000 >= now - span and (p.p50_ms is not None or p.p95_ms is not None)]


@dataclass(frozen=True)
class Alive:
    state: str     # "ok" | "stopped" | "unknown"
    text: str


def alive(committed_ms: int | None, lag: int | None, now: float, threshold: float) -> Alive:
    """The consumer commits only when it read something, so an old commit is a problem only with messages
    waiting: alive = committed within THRESHOLD seconds, or caught up (lag 0)."""
    if committed_ms is None:
        return Alive("unknown", "no micro-batch committed yet")
    ago = max(0.0, now - committed_ms / 1000)
    said = f"last micro-batch {_ago(ago)} ago"
    if ago <= threshold:
        return Alive("ok", said)
    if lag == 0:
        return Alive("ok", f"{said}, caught up (idle)")
    if lag is None:
        return Alive("unknown", f"{said}, lag unknown")
    return Alive("stopped", f"consumer stopped? {lag:,} messages waiting, {said}")


def _ago(seconds: float) -> str:
    s = int(seconds)
    return f"{s} s" if s < 120 else f"{s // 60} min" if s < 7200 else f"{s // 3600} h"


class History:
    """The micro-batches of the last KEEP seconds, read once, then only the newer ones on each refresh."""

    def __init__(self, keep: float = KEEP):
        self.keep = keep
        self.points: deque[Point] = deque()
        self._lock = threading.Lock()

    @property
    def after_ms(self) -> int | None:
        """The newest commit time held (None: read the whole KEEP window)."""
        return self.points[-1].committed_ms if self.points else None

    def add(self, docs: Iterable[Mapping], now: float) -> None:
        new = sorted((p for p in map(point, docs) if p is not None), key=lambda p: (p.committed_ms, p.batch))
        with self._lock:
            seen = {p.batch for p in self.points if self.points and p.committed_ms == self.points[-1].committed_ms}
            self.points.extend(p for p in new if p.batch not in seen
                               and (not self.points or p.committed_ms >= self.points[-1].committed_ms))
            while self.points and self.points[0].committed_ms < (now - self.keep) * 1000:
                self.points.popleft()

    def since(self, now: float, span: float) -> Sequence[Point]:
        with self._lock:
            return [p for p in self.points if p.committed_ms >= (now - span) * 1000]
