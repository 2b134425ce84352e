"""What a benchmark phase costs, sampled from /proc: the CPU of each service's process tree and of the
consumer's, the consumer's RSS, and when each micro-batch's line appears in its log."""
from __future__ import annotations

import itertools
import os
import re
import threading
import time
from pathlib import Path

from tests.support.stack import stack_pids

SERVICES = ("kafka", "cassandra", "ferretdb")
CLK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _proc_table() -> dict[int, tuple[int, int, int, str]]:
    """pid -> (ppid, cpu ticks incl. reaped children, rss pages, command name)."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat", "rb") as f:
                raw = f.read().decode("latin-1")
        except OSError:
            continue
        fields = raw[raw.rfind(")") + 2:].split()
        # after the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14) ... rss(21)
        out[int(d)] = (int(fields[1]), sum(int(x) for x in fields[11:15]), int(fields[21]),
                       raw[raw.find("(") + 1:raw.rfind(")")])
    return out


def _tree(table, root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, *_) in table.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in table:
            out.append(pid)
            todo.extend(children.get(pid, ()))
    return out


def _machine_ticks() -> tuple[int, int]:
    with open("/proc/stat") as f:
        vals = [int(x) for x in f.readline().split()[1:]]
    idle = vals[3] + vals[4]
    return sum(vals) - idle, sum(vals)


class Sampler(threading.Thread):
    """Samples every `interval` s: CPU ticks of each service's process tree and of the consumer's, the
    consumer tree's RSS, and the machine's busy ticks."""

    def __init__(self, consumer_pid: int, interval: float = 0.25):
        super().__init__(daemon=True)
        self.roots = {**stack_pids(SERVICES), "consumer": consumer_pid}
        self.interval = interval
        self.samples: list[tuple[float, dict[str, int], int, int]] = []  # (t, ticks, busy, total)
        self.peak_rss = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(self.interval)
        self.sample()

    def sample(self) -> None:
        table = _proc_table()
        t = time.time()
        ticks = {}
        for name, root in self.roots.items():
            pids = _tree(table, root)
            ticks[name] = sum(table[p][1] for p in pids)
            if name == "consumer":
                self.peak_rss = max(self.peak_rss, sum(table[p][2] for p in pids) * PAGE)
                # of which: the JVM (driver and executors) and the Python workers
                ticks["consumer_python"] = sum(table[p][1] for p in pids if table[p][3].startswith("python"))
        busy, total = _machine_ticks()
        self.samples.append((t, ticks, busy, total))

    def stop(self) -> Sampler:
        self._halt.set()
        self.join()
        return self

    def cpu(self, t0: float | None = None, t1: float | None = None) -> dict[str, float]:
        """Cores used by each service between t0 and t1 (default: the whole sampling), the machine's busy
        cores and `other` (everything else: other users of the machine, this script)."""
        s = self.samples
        a = next((x for x in s if t0 is None or x[0] >= t0), s[0])
        b = next((x for x in reversed(s) if t1 is None or x[0] <= t1), s[-1])
        if b[0] - a[0] < 0.5:
            a, b = s[0], s[-1]
        secs = b[0] - a[0]
        out = {k: round((b[1][k] - a[1].get(k, b[1][k])) / CLK / secs, 3) for k in b[1]}
        ncpu = os.cpu_count() or 1
        out["machine"] = round((b[2] - a[2]) / max(b[3] - a[3], 1) * ncpu, 3)
        out["other"] = round(out["machine"] - sum(v for k, v in out.items()
                                                  if k not in ("machine", "consumer_python")), 3)
        out["window_s"] = round(secs, 1)
        return out


class BatchClock(threading.Thread):
    """When each micro-batch's line appears in a consumer's log (Spark logs it at the micro-batch's commit),
    with the records it read and the rows it wrote. A rate is the rows of the micro-batches in a window over
    the time between the commits that bound it (steady()), and the CPU is taken over the same window. Leaving
    out the first micro-batch leaves out Spark's start-up and the plan's compilation, not the JIT: in a fresh
    consumer the JVM's C2 compiler threads still use 0.4-0.9 of a core for the next ~200,000 records
    (bench/RESULTS.md), hence the pipeline phase's warm-up records."""

    LINE = re.compile(r"micro-batch (\d+): read=(\d+) .*?written=(\d+)")

    def __init__(self, log_path: Path):
        super().__init__(daemon=True)
        self.log_path = log_path
        self.batches: list[tuple[float, int, int, int]] = []  # (time, id, read, written)
        self._halt = threading.Event()

    def run(self) -> None:
        pos = 0
        while not self._halt.is_set():
            pos = self._read(pos)
            self._halt.wait(0.05)
        self._read(pos)

    def _read(self, pos: int) -> int:
        try:
            with open(self.log_path, "rb") as f:
                f.seek(pos)
                chunk = f.read()
        except OSError:
            return pos
        end = chunk.rfind(b"\n") + 1
        now = time.time()
        for line in chunk[:end].decode("utf-8", "replace").splitlines():
            m = self.LINE.search(line)
            if m:
                self.batches.append((now, int(m.group(1)), int(m.group(2)), int(m.group(3))))
        return pos + end

    def stop(self) -> BatchClock:
        self._halt.set()
        self.join()
        return self

    def steady(self, from_read: int = 0, to_read: int | None = None) -> dict:
        """Rows/s written by the micro-batches after the one that brings the records read to FROM_READ (the
        first one when 0: Spark's start-up and the plan's compilation are left out) up to the one that brings
        them to TO_READ (default: the last), over the time between those two commits."""
        b = [x for x in self.batches if x[2] > 0]
        cumulative = list(itertools.accumulate(x[2] for x in b))
        first = next((i for i, r in enumerate(cumulative) if r >= from_read), None)
        last = len(b) - 1 if to_read is None else next((i for i, r in enumerate(cumulative) if r >= to_read), None)
        if first is None or last is None or last <= first:
            return {"rows": sum(x[3] for x in b), "steady_rows_per_s": 0.0, "micro_batches": len(b)}
        rows = sum(x[3] for x in b[first + 1:last + 1])
        secs = max(b[last][0] - b[first][0], 1e-6)
        return {"rows": sum(x[3] for x in b), "steady_rows": rows, "steady_rows_per_s": round(rows / secs),
                "t10": b[first][0], "t90": b[last][0], "micro_batches": len(b), "measured_batches": last - first,
                "window_s": round(secs, 1)}
