"""Throughput and latency of the pipeline on the local stack (make up), against the row-by-row design.

    python -m bench.run [--records N] [--latency-rate R] [--latency-seconds S] [--quick] [--help]

Phases, each in private names (topic, keyspace, database bench_<id>, dropped at the end):
  1. producer:  N synthetic records, generated first, then sent through userprofiles.producer_loop (timed: the
                sending only) -> messages/s;
  2. pipeline:  consumer_spark.py --available-now over those N -> rows/s at steady state, from Cassandra's
                WRITETIME between the 10th and 90th percentile of the rows (Spark's start-up excluded);
  3. baseline:  bench/baseline_rowbyrow.py (collect() + one INSERT and one update_one per row and
                collection) on the same topic, time-boxed -> rows/s the same way; the ratio;
  4. changed:   N/2 more records on the pipeline phase's topic and checkpoint, a fifth of them changed copies
                of users already stored (another nationality, gender and e-mail domain) -> rows/s and CPU per
                row, and whether the analytics still equal the table (reconcile's recomputation);
  5. latency:   consumer_spark.py running continuously while producer.py offers R msg/s for S s ->
                p50/p95/p99 of (Cassandra WRITETIME - Kafka message timestamp), per uuid;
  6. trickle:   R msg/s offered to a running consumer: micro-batch wall time, latency, start-up, idle CPU;
  7. state:     P distinct profiles (default 1,000,000) through a consumer -> the per-profile state's size
                (profiles, RocksDB memory and files, the checkpoint's state folder) and the consumer's RSS.
During 2-4, /proc is sampled: peak RSS of the consumer (JVM + Python workers) and the CPU of each service.
Prints a table and a one-line summary; writes bench/results/<timestamp>.json and bench/results/latest.json.
Run from the checkout as a module (make bench): it measures with the tests' sandboxes, clients and launchers
(tests/support).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from multiprocessing import Pool
from pathlib import Path

from tests.support import addresses
from tests.support.clients import close_clients, consume_all
from tests.support.paths import ROOT
from tests.support.processes import launch, run_producer, spark_cmd, stop_session
from tests.support.sandbox import Sandbox
from tests.support.stack import STACK_HOME, stack_pids
from userprofiles import options
from userprofiles.logs import setup_logging
from userprofiles.options import Option

RESULTS = ROOT / "bench" / "results"
SERVICES = ("kafka", "cassandra", "ferretdb")
CLK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


OPTIONS = (
    Option("--records", "BENCH_RECORDS", 200_000, "records of the throughput phases", ("records",), minimum=1),
    Option("--partitions", "BENCH_PARTITIONS", 6, "partitions of the benchmark topics (the stack's topic has 6)",
           ("partitions",), minimum=1),
    Option("--latency-rate", "BENCH_LATENCY_RATE", 2000.0, "messages/s offered in the latency phase",
           ("latency_rate",), above=0),
    Option("--latency-seconds", "BENCH_LATENCY_SECONDS", 60.0, "seconds of offered load in the latency phase",
           ("latency_seconds",), above=0),
    Option("--latency-warmup-seconds", "BENCH_LATENCY_WARMUP_SECONDS", 20.0,
           "seconds of the same offered load before the measured ones, so that the consumer is measured warm "
           "(code compiled, JIT done) as a long-running service is", ("latency_warmup_seconds",), minimum=0),
    Option("--baseline-seconds", "BENCH_BASELINE_SECONDS", 60.0,
           "the row-by-row baseline is stopped this long after its first row, or when it has written everything",
           ("baseline_seconds",), above=0),
    Option("--trickle-rate", "BENCH_TRICKLE_RATE", 20.0, "messages/s offered in the trickle phase",
           ("trickle_rate",), above=0),
    Option("--trickle-seconds", "BENCH_TRICKLE_SECONDS", 60.0, "seconds of offered load in the trickle phase",
           ("trickle_seconds",), above=0),
    Option("--changed-share", "BENCH_CHANGED_SHARE", 0.2,
           "share of the changed phase's records that are changed copies of stored users", ("changed_share",),
           minimum=0, maximum=1),
    Option("--state-profiles", "BENCH_STATE_PROFILES", 1_000_000,
           "distinct profiles of the state phase", ("state_profiles",), minimum=1),
    Option("--skip", "BENCH_SKIP", "",
           "comma list of phases to skip: producer, pipeline, baseline, changed, latency, trickle, state", ("skip",)),
    Option("--quick", "BENCH_QUICK", False,
           "smoke run: 20,000 records, 15 s of latency, 20 s of baseline, 50,000 profiles of state", ("quick",)),
    Option("--keep", "BENCH_KEEP", False, "keep the benchmark's topics, keyspaces and databases", ("keep",)),
    Option("--seed", "BENCH_SEED", 20261127, "generator seed", ("seed",)),
    Option("--label", "BENCH_LABEL", "", "free text stored with the results", ("label",)),
    *options.LOG_LEVEL,
)


def parser() -> argparse.ArgumentParser:
    p = options.parser("python -m bench.run", __doc__.split("\n\n")[0], OPTIONS)
    # A list of flags handed on to the consumer as they are: no environment variable stands for it.
    p.add_argument("--consumer-arg", action="append", default=[],
                   help="extra flag for consumer_spark.py, e.g. --consumer-arg=--trigger-seconds=0.5 (repeatable)")
    return p


# ---------------------------------------------------------------------------------------------------
# /proc sampling

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
    with the rows it wrote: the steady rate is the rows of the micro-batches after the first over the time
    from the first one's commit to the last one's, so that start-up, the first micro-batch's compilation and
    JIT warm-up of the first rows are left out, and the CPU is taken over the same window."""

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

    def steady(self) -> dict:
        b = [x for x in self.batches if x[2] > 0]
        if len(b) < 2:
            return {"rows": sum(x[3] for x in b), "steady_rows_per_s": 0.0, "micro_batches": len(b)}
        rows = sum(x[3] for x in b[1:])
        secs = max(b[-1][0] - b[0][0], 1e-6)
        return {"rows": sum(x[3] for x in b), "steady_rows": rows, "steady_rows_per_s": round(rows / secs),
                "t10": b[0][0], "t90": b[-1][0], "micro_batches": len(b), "window_s": round(secs, 1)}


# ---------------------------------------------------------------------------------------------------
# data

def _gen_chunk(job):
    from userprofiles import sources, synthetic

    n, seed = job
    return [sources.encode(u) for u in synthetic.generate_users(n, seed=seed, minor_share=0.05)]


def generate(n: int, seed: int) -> list[tuple[bytes, bytes]]:
    chunk = 5000
    jobs = [(min(chunk, n - i), seed * 1000 + i // chunk) for i in range(0, n, chunk)]
    with Pool(min(len(jobs), os.cpu_count() or 1) or 1) as pool:
        return [m for part in pool.map(_gen_chunk, jobs) for m in part]


def landing_uuids(messages) -> set[str]:
    """uuids that become rows: records older than 13 today (UTC)."""
    today = dt.datetime.now(dt.UTC).date()
    out = set()
    for key, value in messages:
        born = dt.date.fromisoformat(json.loads(value)["dob"]["date"][:10])
        if today.year - born.year - ((today.month, today.day) < (born.month, born.day)) > 13:
            out.add(key.decode())
    return out


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def per_row(cpu: dict, rate: dict) -> dict:
    """CPU microseconds per landed row of each service over the steady window: what a row costs, which
    (unlike rows/s) hardly depends on what else the machine runs."""
    if not rate.get("steady_rows_per_s"):
        return {}
    return {k: round(v / rate["steady_rows_per_s"] * 1e6, 1) for k, v in cpu.items()
            if k not in ("window_s", "other", "machine")}


def steady_rate(writetimes_us: list[int]) -> dict:
    """Rows/s between the 10th and 90th percentile write time, and over the whole span."""
    w = sorted(writetimes_us)
    n = len(w)
    if n < 10:
        return {"rows": n, "steady_rows_per_s": 0.0, "span_rows_per_s": 0.0}
    i10, i90 = int(n * 0.10), int(n * 0.90) - 1
    steady = (i90 - i10) / max((w[i90] - w[i10]) / 1e6, 1e-6)
    span = n / max((w[-1] - w[0]) / 1e6, 1e-6)
    return {"rows": n, "steady_rows_per_s": round(steady), "span_rows_per_s": round(span),
            "t10": w[i10] / 1e6, "t90": w[i90] / 1e6, "first": w[0] / 1e6, "last": w[-1] / 1e6}


# ---------------------------------------------------------------------------------------------------
# processes

def spark(script: Path, args: list[str], log_path: Path) -> subprocess.Popen:
    """spark-submit of SCRIPT in a session of its own (so that stopping it stops its Python workers too)."""
    return launch(spark_cmd(args, script), log_path)


def batch_lines(log_path: Path) -> list[str]:
    # The consumer's and the baseline's line per micro-batch ("micro-batch 12: read=..." / ": written=...").
    return [ln.strip() for ln in log_path.read_text(errors="replace").splitlines() if re.search(r"batch \d+: ", ln)]


# ---------------------------------------------------------------------------------------------------
# phases

def phase_producer(sb, messages, log) -> dict:
    from userprofiles import producer_loop

    settings = options.producer_settings(options.producer_parser().parse_args(
        ["--topic", sb.topic, "--progress-seconds", "3600", "--log-level", "WARNING"]))
    pages = [messages[i:i + 1000] for i in range(0, len(messages), 1000)]
    stats = producer_loop.run(settings, pages=pages)
    secs = time.monotonic() - stats.started
    if stats.failed:
        raise SystemExit(f"bench: error: the producer failed {stats.failed} messages ({stats.first_error})")
    out = {"messages": stats.delivered, "seconds": round(secs, 2), "msgs_per_s": round(stats.delivered / secs),
           "linger_ms": settings.linger_ms, "compression": settings.compression}
    log(f"producer: {out['messages']} messages in {secs:.1f}s = {out['msgs_per_s']:,} msg/s")
    return out


def phase_pipeline(sb, tmp, expected: int, extra: list[str], log) -> dict:
    """The consumer over the records (in four micro-batches, so that three are measured after the first)."""
    log_path = tmp / "pipeline.log"
    t0 = time.time()
    per_batch = ["--max-offsets-per-trigger", str(max(expected // 4, 1))]
    proc = spark(ROOT / "consumer_spark.py", sb.consumer_args(tmp, "--available-now", *per_batch, *extra), log_path)
    sampler, clock = Sampler(proc.pid), BatchClock(log_path)
    sampler.start()
    clock.start()
    rc = proc.wait()
    wall = time.time() - t0
    sampler.stop()
    clock.stop()
    if rc != 0:
        raise SystemExit(f"bench: error: consumer_spark.py exited {rc}; see {log_path}:\n"
                         + log_path.read_text(errors="replace")[-3000:])
    landed = len(sb.writetimes())
    rate = clock.steady()
    steady = sampler.cpu(rate.get("t10"), rate.get("t90"))
    first = clock.batches[0][0] if clock.batches else t0
    out = {**rate, "expected_rows": expected, "landed": landed, "wall_s": round(wall, 1),
           "startup_s": round(first - t0, 1),
           "cpu_steady": steady, "cpu_us_per_row": per_row(steady, rate), "cpu_run": sampler.cpu(),
           "peak_rss_mb": round(sampler.peak_rss / 2**20), "batches": batch_lines(log_path), "args": extra}
    if landed != expected:
        log(f"pipeline: WARNING {landed} rows landed, {expected} expected")
    log(f"pipeline: {landed} rows, steady {rate['steady_rows_per_s']:,} rows/s, wall {wall:.1f}s, "
        f"peak RSS {out['peak_rss_mb']} MB")
    return out


def changed_copy(value: bytes, n: int) -> bytes:
    """The same user (same uuid) with another nationality, gender and e-mail domain."""
    rec = json.loads(value)
    rec["nat"] = ("FR", "GB", "NO", "BR", "IN")[n % 5]
    rec["gender"] = "male" if rec["gender"] == "female" else "female"
    rec["email"] = rec["email"].split("@")[0] + f"@changed{n % 7}.example"
    return json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode()


def phase_changed(sb, tmp, stored, new, share: float, extra: list[str], log) -> dict:
    """`new` records plus changed copies of a `share` of the phase's records, taken from `stored` (users the
    pipeline phase stored), shuffled, then the consumer on the pipeline phase's checkpoint."""
    import random

    from userprofiles import reconcile
    from userprofiles.settings import CassandraSettings, MongoSettings

    rng = random.Random(7)
    n_changed = int(len(new) * share / (1 - share))
    changed = [(k, changed_copy(v, i)) for i, (k, v) in enumerate(rng.sample(stored, n_changed))]
    msgs = new + changed
    rng.shuffle(msgs)
    sb.produce([v for _, v in msgs], keys=[k for k, _ in msgs])
    touched = landing_uuids(new) | landing_uuids(changed)
    log_path = tmp / "changed.log"
    t0 = time.time()
    per_batch = ["--max-offsets-per-trigger", str(max(len(msgs) // 4, 1))]
    proc = spark(ROOT / "consumer_spark.py", sb.consumer_args(tmp, "--available-now", *per_batch, *extra), log_path)
    sampler, clock = Sampler(proc.pid), BatchClock(log_path)
    sampler.start()
    clock.start()
    rc = proc.wait()
    sampler.stop()
    clock.stop()
    if rc != 0:
        raise SystemExit(f"bench: error: consumer_spark.py exited {rc}; see {log_path}")
    rate = clock.steady()
    steady = sampler.cpu(rate.get("t10"), rate.get("t90"))
    n_rows, diffs = reconcile.compare(CassandraSettings(port=addresses.CASSANDRA_PORT, keyspace=sb.keyspace),
                                      MongoSettings(uri=addresses.MONGO_URI, db=sb.mongo_db))
    out = {**rate, "messages": len(msgs), "changed": len(changed), "rows_touched": len(touched),
           "wall_s": round(time.time() - t0, 1), "cpu_steady": steady, "cpu_us_per_row": per_row(steady, rate),
           "peak_rss_mb": round(sampler.peak_rss / 2**20), "table_rows": n_rows, "analytics_keys_differ": len(diffs),
           "batches": batch_lines(log_path)}
    log(f"changed: {len(msgs):,} records ({len(changed):,} changed copies), {rate['rows']:,} rows written, steady "
        f"{rate['steady_rows_per_s']:,} rows/s; analytics keys that differ from the table: {len(diffs)}")
    return out


STATE_LINE = re.compile(r"state=([\d,]+) profiles \(([\d,]+) MB memory, ([\d,]+) MB files\)")


def phase_state(sb, tmp, base, n: int, extra: list[str], log) -> dict:
    """N distinct profiles (the `base` records under fresh uuids), then the consumer over them: the state's
    size from Spark's progress and on disk, and the consumer's peak RSS."""
    msgs = []
    for i in range(n):
        key, value = base[i % len(base)]
        ident = str(uuid.UUID(int=i + 1, version=4))
        msgs.append((ident.encode(), value.replace(key, ident.encode())))
    for i in range(0, n, 100_000):
        sb.produce([v for _, v in msgs[i:i + 100_000]], keys=[k for k, _ in msgs[i:i + 100_000]])
    del msgs
    log_path = tmp / "state.log"
    t0 = time.time()
    proc = spark(ROOT / "consumer_spark.py", sb.consumer_args(tmp, "--available-now", *extra), log_path)
    sampler = Sampler(proc.pid)
    sampler.start()
    rc = proc.wait()
    sampler.stop()
    if rc != 0:
        raise SystemExit(f"bench: error: consumer_spark.py exited {rc}; see {log_path}")
    lines = batch_lines(log_path)
    m = next((STATE_LINE.search(ln) for ln in reversed(lines) if STATE_LINE.search(ln)), None)
    profiles, memory_mb, sst_mb = (int(g.replace(",", "")) for g in m.groups()) if m else (0, 0, 0)
    state_dir = sb.checkpoint(tmp) / "state"
    disk = sum(p.stat().st_size for p in state_dir.rglob("*") if p.is_file())
    out = {"profiles_sent": n, "profiles": profiles, "memory_mb": memory_mb, "sst_mb": sst_mb,
           "checkpoint_state_bytes": disk, "bytes_per_profile_files": round(sst_mb * 2**20 / max(profiles, 1), 1),
           "bytes_per_profile_checkpoint": round(disk / max(profiles, 1), 1), "wall_s": round(time.time() - t0, 1),
           "peak_rss_mb": round(sampler.peak_rss / 2**20), "cpu": sampler.cpu(), "batches": lines[-5:]}
    log(f"state: {profiles:,} profiles, RocksDB {memory_mb:,} MB memory and {sst_mb:,} MB of files "
        f"({out['bytes_per_profile_files']} B/profile), checkpoint state {disk / 2**20:,.0f} MB "
        f"({out['bytes_per_profile_checkpoint']} B/profile); consumer peak RSS {out['peak_rss_mb']:,} MB")
    return out


def phase_baseline(sb, tmp, expected: int, budget: float, log) -> dict:
    base = Sandbox(name=sb.name + "_base")
    log_path = tmp / "baseline.log"
    args = ["--topic", sb.topic, "--keyspace", base.keyspace, "--mongo-db", base.mongo_db,
            "--checkpoint", str(tmp / "baseline-checkpoint"), "--starting-offsets", "earliest", "--available-now"]
    t0 = time.time()
    proc = spark(ROOT / "bench" / "baseline_rowbyrow.py", args, log_path)
    sampler = Sampler(proc.pid)
    sampler.start()
    first = None
    count = 0
    try:
        while proc.poll() is None:
            time.sleep(3)
            try:
                count = base.row_count()
            except Exception:
                continue  # the keyspace is not there yet
            if count and first is None:
                first = time.time()
            if first is not None and time.time() - first >= budget:
                break
    finally:
        stop_session(proc, signal.SIGTERM, 30)
        sampler.stop()
    completed = proc.returncode == 0
    wts = base.writetimes()
    rate = steady_rate(list(wts.values()))
    steady = sampler.cpu(rate.get("t10"), rate.get("t90"))
    out = {**rate, "expected_rows": expected, "completed": completed, "budget_s": budget,
           "wall_s": round(time.time() - t0, 1), "cpu_steady": steady, "cpu_us_per_row": per_row(steady, rate),
           "peak_rss_mb": round(sampler.peak_rss / 2**20)}
    log(f"baseline: {len(wts)} rows{'' if completed else ' (time-boxed)'}, steady "
        f"{rate['steady_rows_per_s']:,} rows/s")
    try:
        base.drop()
    except Exception:
        pass
    return out


def phase_latency(sb, tmp, warmup, offered_warmup, messages, rate: float, extra: list[str], log) -> dict:
    src = tmp / "latency.jsonl"
    src.write_bytes(b"\n".join(v for _, v in messages) + b"\n")
    warm_src = tmp / "latency-warmup.jsonl"
    warm_src.write_bytes(b"\n".join(v for _, v in offered_warmup) + b"\n")
    want = landing_uuids(messages)
    warm = landing_uuids(warmup) | landing_uuids(offered_warmup)

    log_path = tmp / "latency.log"
    proc = spark(ROOT / "consumer_spark.py", sb.consumer_args(tmp, *extra), log_path)

    def landed() -> int:
        try:
            return sb.row_count()
        except Exception:
            return 0

    try:
        # Warm-up (already in the topic): the consumer is ready when those records have landed.
        deadline = time.time() + 180
        while landed() < len(landing_uuids(warmup)):
            if proc.poll() is not None or time.time() > deadline:
                raise SystemExit(f"bench: error: the latency consumer did not start; see {log_path}:\n"
                                 + log_path.read_text(errors="replace")[-3000:])
            time.sleep(1)
        if offered_warmup:  # the same load, unmeasured, until it has all landed
            _offer(sb.topic, warm_src, rate)
            deadline = time.time() + 120
            while landed() < len(warm) and time.time() < deadline:
                time.sleep(1)
        time.sleep(2)
        sampler = Sampler(proc.pid)
        sampler.start()
        offered_s = _offer(sb.topic, src, rate)
        total = len(want) + len(warm)
        deadline = time.time() + 120
        while landed() < total and time.time() < deadline:
            time.sleep(1)
        sampler.stop()
    finally:
        stop_session(proc, signal.SIGINT, 60)
    ts = {}
    for m in consume_all(sb.topic, len(messages) + len(warmup) + len(offered_warmup), timeout=60):
        if m.key():
            ts[m.key().decode()] = m.timestamp()[1]
    wts = sb.writetimes()
    lat = [wts[u] / 1000 - ts[u] for u in want if u in wts and u in ts]
    out = {"offered_rate": rate, "offered_s": round(offered_s, 1), "messages": len(messages),
           "warmup_messages": len(offered_warmup),
           "rows_expected": len(want), "rows_measured": len(lat), "missing": len(want) - len(lat),
           "p50_ms": round(percentile(lat, 50)), "p95_ms": round(percentile(lat, 95)),
           "p99_ms": round(percentile(lat, 99)), "max_ms": round(max(lat)) if lat else None,
           "cpu": sampler.cpu(), "peak_rss_mb": round(sampler.peak_rss / 2**20),
           "batches": batch_lines(log_path)[-20:], "args": extra}
    log(f"latency: {len(lat)} rows at {rate:.0f} msg/s: p50 {out['p50_ms']} ms, p95 {out['p95_ms']} ms, "
        f"p99 {out['p99_ms']} ms")
    return out


def _batch_seconds(lines: list[str]) -> list[float]:
    """Wall seconds of the micro-batches that held data, from the consumer's per-batch lines (Spark's
    batchDuration: from the trigger to the commit of the batch)."""
    out = []
    for ln in lines:
        m = re.search(r"batch \d+: read=(\d+) .* in ([0-9.]+)s", ln)
        if m and int(m.group(1)) > 0:
            out.append(float(m.group(2)))
    return out


def _offer(topic: str, path: Path, rate: float) -> float:
    """producer.py sends the records of `path` (pre-generated) at `rate` msg/s; the seconds it took."""
    t = time.time()
    res = run_producer(["--source", f"file:{path}", "--topic", topic, "--rate", str(rate),
                        "--messages-per-iteration", "100", "--log-level", "WARNING"], timeout=None)
    if res.returncode != 0:
        raise SystemExit(f"bench: error: producer.py failed: {res.stderr[-2000:]}")
    return time.time() - t


def _wait_rows(sb, n: int, proc, log_path: Path, timeout: float) -> float | None:
    """Wait until the sandbox's table holds n rows; the time it did, or None at the timeout."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if sb.row_count() >= n:
                return time.time()
        except Exception:
            pass  # the keyspace is not there yet
        if proc.poll() is not None:
            raise SystemExit(f"bench: error: consumer_spark.py exited; see {log_path}:\n"
                             + log_path.read_text(errors="replace")[-3000:])
        time.sleep(0.2)
    return None


def phase_trickle(sb, tmp, first, messages, restart, rate: float, idle_s: float, extra: list[str], log) -> dict:
    """A consumer started on a topic that holds `first`: seconds from spark-submit to its first row. Then
    `messages` offered at `rate` msg/s (a trickle): the wall time of each micro-batch and the end-to-end
    latency. Then `idle_s` with no data: the consumer's CPU while idle. Then a restart on the same
    checkpoint with `restart` waiting in the topic: seconds from spark-submit to their rows."""
    src = tmp / "trickle.jsonl"
    src.write_bytes(b"\n".join(v for _, v in messages) + b"\n")
    sb.produce([v for _, v in first], keys=[k for k, _ in first])
    n_first, want = len(landing_uuids(first)), landing_uuids(messages)
    log_path = tmp / "trickle.log"
    t0 = time.time()
    proc = spark(ROOT / "consumer_spark.py", sb.consumer_args(tmp, *extra), log_path)
    try:
        if _wait_rows(sb, n_first, proc, log_path, 180) is None:
            raise SystemExit(f"bench: error: the trickle consumer wrote nothing in 180 s; see {log_path}")
        start_s = min(sb.writetimes().values()) / 1e6 - t0
        time.sleep(3)
        before = len(batch_lines(log_path))
        sampler = Sampler(proc.pid)
        sampler.start()
        offered_s = _offer(sb.topic, src, rate)
        _wait_rows(sb, n_first + len(want), proc, log_path, 60)
        time.sleep(2)
        sampler.stop()
        batches = _batch_seconds(batch_lines(log_path)[before:])
        idle = Sampler(proc.pid)
        idle.start()
        time.sleep(idle_s)
        idle.stop()
    finally:
        stop_session(proc, signal.SIGINT, 60)
    warnings = sum("falling behind" in ln for ln in log_path.read_text(errors="replace").splitlines())
    ts = {m.key().decode(): m.timestamp()[1]
          for m in consume_all(sb.topic, len(first) + len(messages), timeout=60) if m.key()}
    wts = sb.writetimes()
    lat = [wts[u] / 1000 - ts[u] for u in want if u in wts and u in ts]
    # The restart: records wait in the topic; a new spark-submit on the same checkpoint.
    sb.produce([v for _, v in restart], keys=[k for k, _ in restart])
    n_all = n_first + len(want) + len(landing_uuids(restart))
    log_path2 = tmp / "trickle-restart.log"
    t1 = time.time()
    proc = spark(ROOT / "consumer_spark.py", sb.consumer_args(tmp, *extra), log_path2)
    try:
        landed_at = _wait_rows(sb, n_all, proc, log_path2, 180)
        wts2 = sb.writetimes()
        new = [wts2[u] / 1e6 for u in landing_uuids(restart) if u in wts2]
        restart_s = (min(new) - t1) if new else None
    finally:
        stop_session(proc, signal.SIGINT, 60)
    out = {"offered_rate": rate, "offered_s": round(offered_s, 1), "rows_expected": len(want),
           "rows_measured": len(lat), "batches": len(batches),
           "batch_p50_ms": round(percentile(batches, 50) * 1000), "batch_p95_ms": round(percentile(batches, 95) * 1000),
           "batch_max_ms": round(max(batches) * 1000) if batches else None,
           "p50_ms": round(percentile(lat, 50)), "p95_ms": round(percentile(lat, 95)),
           "p99_ms": round(percentile(lat, 99)), "falling_behind_warnings": warnings,
           "start_to_first_row_s": round(start_s, 1),
           "restart_to_first_row_s": round(restart_s, 1) if restart_s is not None else None,
           "restart_all_landed": landed_at is not None,
           "cpu": sampler.cpu(), "cpu_idle": idle.cpu(), "args": extra}
    log(f"trickle: {len(batches)} batches at {rate:.0f} msg/s: batch p50 {out['batch_p50_ms']} ms, p95 "
        f"{out['batch_p95_ms']} ms; latency p50 {out['p50_ms']} ms, p99 {out['p99_ms']} ms; start to first row "
        f"{out['start_to_first_row_s']} s, restart {out['restart_to_first_row_s']} s; idle consumer "
        f"{out['cpu_idle'].get('consumer', 0):.2f} cores; {warnings} 'falling behind' warnings")
    return out


# ---------------------------------------------------------------------------------------------------
# report

def machine() -> dict:
    model = ""
    try:
        model = next(ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = next(int(ln.split()[1]) for ln in open("/proc/meminfo") if ln.startswith("MemTotal"))
    return {"cpus": os.cpu_count(), "cpu_model": model, "mem_gib": round(mem / 2**20, 1),
            "kernel": platform.release(), "python": platform.python_version(), "loadavg_start": os.getloadavg()}


def table(r: dict) -> str:
    rows = []
    p, pl, b, lt = r.get("producer"), r.get("pipeline"), r.get("baseline"), r.get("latency")

    def cpu_line(c):
        return (" ".join(f"{k} {c[k]:.2f}" for k in ("consumer", "cassandra", "kafka", "ferretdb", "other")
                         if k in c) + f" (of {r['machine']['cpus']} cores; consumer's Python workers "
                f"{c.get('consumer_python', 0):.2f})")

    if p:
        rows.append(("producer throughput", f"{p['msgs_per_s']:,} msg/s",
                     f"{p['messages']:,} messages in {p['seconds']} s, lz4, linger {p['linger_ms']} ms"))
    if pl:
        rows.append(("pipeline throughput (steady)", f"{pl['steady_rows_per_s']:,} rows/s",
                     f"{pl['landed']:,} rows in {pl['micro_batches']} micro-batches; the last "
                     f"{pl['micro_batches'] - 1} "
                     f"measured ({pl.get('window_s', 0)} s); whole run {pl['wall_s']} s incl. {pl['startup_s']} s to "
                     f"the first commit"))
    ch = r.get("changed")
    if ch:
        c = ch.get("cpu_us_per_row") or {}
        rows.append((f"changed profiles ({ch['changed']:,} of {ch['messages']:,})",
                     f"{ch['steady_rows_per_s']:,} rows/s",
                     f"{ch['rows']:,} rows written; CPU per row "
                     f"{sum(v for k, v in c.items() if k != 'consumer_python'):,.0f} us; analytics keys that differ "
                     f"from the table: {ch['analytics_keys_differ']}"))
    if b:
        rows.append(("row-by-row baseline (steady)", f"{b['steady_rows_per_s']:,} rows/s",
                     f"{b['rows']:,} rows" + ("" if b["completed"] else f", time-boxed at {b['budget_s']:.0f} s")))
    if pl and b and b["steady_rows_per_s"]:
        rows.append(("speed-up vs baseline", f"{r['ratio']:.1f}x", "same topic, same run"))
    if lt:
        rows.append((f"latency at {lt['offered_rate']:.0f} msg/s", f"p99 {lt['p99_ms']:,} ms",
                     f"p50 {lt['p50_ms']:,} / p95 {lt['p95_ms']:,} / max {lt['max_ms']:,} ms over "
                     f"{lt['rows_measured']:,} rows, {lt['missing']} missing"))
    tk = r.get("trickle")
    if tk:
        rows.append((f"micro-batch wall at {tk['offered_rate']:.0f} msg/s", f"p50 {tk['batch_p50_ms']:,} ms",
                     f"p95 {tk['batch_p95_ms']:,} / max {tk['batch_max_ms']:,} ms over {tk['batches']} batches; "
                     f"{tk['falling_behind_warnings']} 'falling behind' warnings"))
        rows.append((f"latency at {tk['offered_rate']:.0f} msg/s", f"p50 {tk['p50_ms']:,} ms",
                     f"p95 {tk['p95_ms']:,} / p99 {tk['p99_ms']:,} ms over {tk['rows_measured']:,} rows"))
        rows.append(("start to first row", f"{tk['start_to_first_row_s']} s",
                     f"new checkpoint; restarted on the same checkpoint: {tk['restart_to_first_row_s']} s"))
        rows.append(("consumer CPU while idle", f"{tk['cpu_idle'].get('consumer', 0):.3f} cores",
                     f"over {tk['cpu_idle']['window_s']} s without data"))
    if pl:
        rows.append(("consumer peak RSS", f"{pl['peak_rss_mb']:,} MB",
                     "driver JVM + Python workers, throughput phase"
                     + (f"; {lt['peak_rss_mb']:,} MB in the latency phase" if lt else "")))
        rows.append(("CPU, throughput (cores)", f"{pl['cpu_steady']['machine']:.2f} busy", cpu_line(pl["cpu_steady"])))
    if pl and pl.get("cpu_us_per_row"):
        c = pl["cpu_us_per_row"]
        rows.append(("CPU per row, pipeline", f"{sum(v for k, v in c.items() if k != 'consumer_python'):,.0f} us",
                     " ".join(f"{k} {v:,.0f}" for k, v in c.items())))
    if b:
        rows.append(("CPU, baseline (cores)", f"{b['cpu_steady']['machine']:.2f} busy", cpu_line(b["cpu_steady"])))
    if lt:
        rows.append(("CPU, latency (cores)", f"{lt['cpu']['machine']:.2f} busy", cpu_line(lt["cpu"])))
    stt = r.get("state")
    if stt:
        rows.append((f"state at {stt['profiles']:,} profiles", f"{stt['bytes_per_profile_files']} B/profile",
                     f"RocksDB {stt['memory_mb']:,} MB memory, {stt['sst_mb']:,} MB files; checkpoint state "
                     f"{stt['checkpoint_state_bytes'] / 2**20:,.0f} MB; consumer peak RSS {stt['peak_rss_mb']:,} MB"))
    m = r["machine"]
    rows.append(("machine", f"{m['cpus']} cores, {m['mem_gib']} GiB",
                 f"load average {m['loadavg_start'][0]:.2f} at start, {m['loadavg_end'][0]:.2f} at end"))
    w = [max(len(x[i]) for x in rows) for i in range(3)]
    line = "+-" + "-+-".join("-" * n for n in w) + "-+"
    out = [line] + [("| " + " | ".join(x[i].ljust(w[i]) for i in range(3)) + " |") for x in rows] + [line]
    return "\n".join(out)


def summary(r: dict) -> str:
    parts = []
    if "producer" in r:
        parts.append(f"producer {r['producer']['msgs_per_s']:,} msg/s")
    if "pipeline" in r:
        parts.append(f"pipeline {r['pipeline']['steady_rows_per_s']:,} rows/s")
    if "baseline" in r:
        parts.append(f"baseline {r['baseline']['steady_rows_per_s']:,} rows/s ({r.get('ratio', 0):.1f}x)")
    if "latency" in r:
        lt = r["latency"]
        parts.append(f"p50/p95/p99 {lt['p50_ms']}/{lt['p95_ms']}/{lt['p99_ms']} ms at {lt['offered_rate']:.0f} msg/s")
    if "trickle" in r:
        tk = r["trickle"]
        parts.append(f"batch p50/p95 {tk['batch_p50_ms']}/{tk['batch_p95_ms']} ms and latency p50 {tk['p50_ms']} ms "
                     f"at {tk['offered_rate']:.0f} msg/s, first row {tk['start_to_first_row_s']} s "
                     f"(restart {tk['restart_to_first_row_s']} s)")
    if "pipeline" in r:
        parts.append(f"consumer RSS {r['pipeline']['peak_rss_mb']} MB")
    parts.append(f"load {r['machine']['loadavg_start'][0]:.1f}")
    return "bench: " + ", ".join(parts)


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    setup_logging(args.log_level)
    if args.quick:
        args.records, args.latency_seconds, args.baseline_seconds = 20_000, 15.0, 20.0
        args.state_profiles = min(args.state_profiles, 50_000)
        args.latency_warmup_seconds = min(args.latency_warmup_seconds, 5.0)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")

    started = dt.datetime.now(dt.UTC)

    def log(msg: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    missing = [s for s in SERVICES if s not in stack_pids(SERVICES)]
    if missing:
        log(f"warning: no PID file for {', '.join(missing)} in {STACK_HOME}/run: their CPU is not measured "
            f"(is the stack up? make up)")
    def git(*a):
        r = subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True)
        return r.stdout.strip()

    result: dict = {"started": started.isoformat(timespec="seconds"), "label": args.label, "machine": machine(),
                    "git": {"commit": git("rev-parse", "--short", "HEAD"),
                            "modified": git("status", "--porcelain", "--", "userprofiles", "consumer_spark.py",
                                            "producer.py", "stack").splitlines()},
                    "config": {k: v for k, v in vars(args).items()},
                    "stack": {"kafka": addresses.BOOTSTRAP, "cassandra_port": addresses.CASSANDRA_PORT,
                              "mongo": addresses.MONGO_URI}}
    name = "bench_" + uuid.uuid4().hex[:8]
    sb = Sandbox(name=name, partitions=args.partitions)
    lat_sb = Sandbox(name=name + "_lat", partitions=args.partitions)
    tmp = Path(tempfile.mkdtemp(prefix=name + "-"))
    log(f"load average {os.getloadavg()[0]:.2f}; names {name}*; logs in {tmp}")
    n_lat = int(args.latency_rate * args.latency_seconds) if "latency" not in skip else 0
    n_warm = int(args.latency_rate * args.latency_warmup_seconds) if "latency" not in skip else 0
    n_trk = int(args.trickle_rate * args.trickle_seconds) if "trickle" not in skip else 0
    n_rec = args.records if "pipeline" not in skip or "producer" not in skip else 0
    with_changed = n_rec and not skip & {"pipeline", "changed"}
    n_new = int(n_rec / 2 * (1 - args.changed_share)) if with_changed else 0
    t = time.time()
    all_msgs = iter(generate(n_rec + n_new + n_lat + n_warm + 200 + (n_trk + 200 if n_trk else 0), args.seed))
    take = lambda n: [next(all_msgs) for _ in range(n)]  # noqa: E731
    msgs, new_msgs, lat_msgs, lat_warm, warm = take(n_rec), take(n_new), take(n_lat), take(n_warm), take(200)
    trk_msgs, trk_first, trk_restart = (take(n_trk), take(100), take(100)) if n_trk else ([], [], [])
    expected = len(landing_uuids(msgs))
    log(f"generated the records in {time.time() - t:.1f}s ({expected:,} of the {len(msgs):,} of the "
        f"throughput phases become rows)")
    trk_sb = Sandbox(name=name + "_trk", partitions=args.partitions)
    st_sb = Sandbox(name=name + "_st", partitions=args.partitions)
    sandboxes = [sb, lat_sb] + ([trk_sb] if n_trk else []) + ([st_sb] if "state" not in skip else [])
    for s in sandboxes:
        s.create_topics()
    try:
        # The latency phase's warm-up records, sent first: this also gets a fresh broker's producer-id
        # coordinator loaded, which would otherwise stall the timed producer for a second.
        lat_sb.produce([v for _, v in warm], keys=[k for k, _ in warm])
        if n_rec:
            result["producer"] = phase_producer(sb, msgs, log)
        if n_rec and "pipeline" not in skip:
            result["pipeline"] = phase_pipeline(sb, tmp, expected, args.consumer_arg, log)
            if "baseline" not in skip:
                result["baseline"] = phase_baseline(sb, tmp, expected, args.baseline_seconds, log)
                if result["baseline"]["steady_rows_per_s"]:
                    result["ratio"] = round(result["pipeline"]["steady_rows_per_s"]
                                            / result["baseline"]["steady_rows_per_s"], 2)
        if n_new:
            stored = [m for m in msgs if m[0].decode() in landing_uuids([m])]
            result["changed"] = phase_changed(sb, tmp, stored, new_msgs, args.changed_share, args.consumer_arg, log)
        if n_trk:
            result["trickle"] = phase_trickle(trk_sb, tmp, trk_first, trk_msgs, trk_restart, args.trickle_rate,
                                              10.0, args.consumer_arg, log)
        if "latency" not in skip:
            result["latency"] = phase_latency(lat_sb, tmp, warm, lat_warm, lat_msgs, args.latency_rate,
                                              args.consumer_arg, log)
        if "state" not in skip:
            result["state"] = phase_state(st_sb, tmp, msgs or warm, args.state_profiles, args.consumer_arg, log)
    finally:
        if not args.keep:
            for s in sandboxes:
                try:
                    s.drop()
                except Exception as exc:  # a topic that was never created
                    log(f"cleanup of {s.name}: {type(exc).__name__}")
        close_clients()
    result["machine"]["loadavg_end"] = os.getloadavg()
    result["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(result, indent=2, default=str)
    (RESULTS / f"{stamp}.json").write_text(text)
    (RESULTS / "latest.json").write_text(text)
    print(table(result))
    print(summary(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
