"""The soak's pass criteria, computed from what it sampled and saw: each a Check with its figure,
its limit and whether it passed. Pure: unit-tested in tests/unit/soak/test_verdict.py."""
from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# A process is judged on its memory when it lived this long; its level is the median of a window this long
# from its 5th minute, against the median of its last window of the same length (medians: a GC or a flush
# between two samples is not growth).
JUDGED_LIFE_S = 15 * 60
SETTLE_S = 5 * 60
WINDOW_S = 3 * 60
MEMORY_GROWTH = 0.05
# A size levels off when the most it reaches in the run's last third is within this of the most it reached
# in the middle third (checkpoint files come and go in cycles: retention deletes in batches).
LEVEL_OFF = 0.10
RECOVERY_S = 60.0
STRETCH_S = 20 * 60


@dataclass(frozen=True)
class Check:
    name: str
    measured: str
    limit: str
    ok: bool


@dataclass(frozen=True)
class Life:
    """One process between its start and its end: its role (consumer-jvm, kafka, ...), pid, start (seconds
    into the soak; negative when it started before) and its samples (t, value) of one metric."""
    role: str
    pid: int
    started_s: float
    samples: tuple[tuple[float, float], ...]

    @property
    def span_s(self) -> float:
        return self.samples[-1][0] - self.started_s if self.samples else 0.0


def growth(life: Life) -> float | None:
    """The relative growth of LIFE's metric from its 5th minute to its end; None when it lived too short or the
    windows hold no samples."""
    if life.span_s < JUDGED_LIFE_S:
        return None
    t0 = life.started_s + SETTLE_S
    end = life.samples[-1][0]
    first = [v for t, v in life.samples if t0 <= t < t0 + WINDOW_S]
    last = [v for t, v in life.samples if end - WINDOW_S < t <= end]
    if not first or not last:
        return None
    a, b = statistics.median(first), statistics.median(last)
    return (b - a) / a if a > 0 else None


def memory_checks(metric: str, lives: Iterable[Life]) -> list[Check]:
    out = []
    for life in lives:
        g = growth(life)
        if g is None:
            continue
        mins = life.span_s / 60
        out.append(Check(f"{metric} {life.role} (pid {life.pid}, {mins:.0f} min)", f"{g:+.1%}",
                         f"≤ +{MEMORY_GROWTH:.0%}", g <= MEMORY_GROWTH))
    return out


def level_off(name: str, samples: Sequence[tuple[float, float]], start_s: float, end_s: float) -> Check:
    """NAME's samples between START_S and END_S (the faults' part of the run): the most of the last third
    against the most of the middle third."""
    third = (end_s - start_s) / 3
    middle = [v for t, v in samples if start_s + third <= t < start_s + 2 * third]
    last = [v for t, v in samples if start_s + 2 * third <= t <= end_s]
    if not middle or not last:
        return Check(f"{name} levels off", "no samples", f"≤ +{LEVEL_OFF:.0%}", False)
    a, b = max(middle), max(last)
    g = (b - a) / a if a > 0 else (0.0 if b == 0 else float("inf"))
    return Check(f"{name} levels off", f"{b:,.0f} vs {a:,.0f} ({g:+.1%})", f"≤ +{LEVEL_OFF:.0%}", g <= LEVEL_OFF)


def recovery_s(lag: Sequence[tuple[float, float]], back_s: float, threshold: float) -> float | None:
    """Seconds from BACK_S (the service back) to the first lag sample at or under THRESHOLD; None if never."""
    for t, v in lag:
        if t >= back_s and v <= threshold:
            return t - back_s
    return None


def recovery_check(fault: str, lag: Sequence[tuple[float, float]], back_s: float, threshold: float) -> Check:
    r = recovery_s(lag, back_s, threshold)
    return Check(f"lag ≤ {threshold:,.0f} after {fault}", "never" if r is None else f"{r:.0f} s",
                 f"≤ {RECOVERY_S:.0f} s", r is not None and r <= RECOVERY_S)


def stretch_check(consumer_starts_s: Sequence[float], end_s: float, need_s: float = STRETCH_S) -> Check:
    points = [*sorted(consumer_starts_s), end_s]
    longest = max((b - a for a, b in zip(points, points[1:], strict=False)), default=0.0)
    return Check("longest consumer run without a restart", f"{longest / 60:.1f} min", f"≥ {need_s / 60:.0f} min",
                 longest >= need_s)


def table(checks: Sequence[Check]) -> str:
    rows = [("check", "measured", "limit", "result")] + [(c.name, c.measured, c.limit, "pass" if c.ok else "FAIL")
                                                         for c in checks]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["| " + " | ".join(r[i].ljust(widths[i]) for i in range(4)) + " |" for r in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)
