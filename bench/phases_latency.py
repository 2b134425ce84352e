"""The latency phases: a running consumer under an offered load (2,000 msg/s), then under a trickle
(20 msg/s) with its start-up, idle CPU and restart."""
from __future__ import annotations

import signal
import time

from tests.support.clients import consume_all
from tests.support.paths import ROOT
from tests.support.processes import stop_session

from .figures import batch_lines, batch_seconds, percentile
from .launch import offer, spark, wait_rows
from .records import landing_uuids
from .sampling import Sampler


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
            offer(sb.topic, warm_src, rate)
            deadline = time.time() + 120
            while landed() < len(warm) and time.time() < deadline:
                time.sleep(1)
        time.sleep(2)
        sampler = Sampler(proc.pid)
        sampler.start()
        offered_s = offer(sb.topic, src, rate)
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
        if wait_rows(sb, n_first, proc, log_path, 180) is None:
            raise SystemExit(f"bench: error: the trickle consumer wrote nothing in 180 s; see {log_path}")
        start_s = min(sb.writetimes().values()) / 1e6 - t0
        time.sleep(3)
        before = len(batch_lines(log_path))
        sampler = Sampler(proc.pid)
        sampler.start()
        offered_s = offer(sb.topic, src, rate)
        wait_rows(sb, n_first + len(want), proc, log_path, 60)
        time.sleep(2)
        sampler.stop()
        batches = batch_seconds(batch_lines(log_path)[before:])
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
        landed_at = wait_rows(sb, n_all, proc, log_path2, 180)
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
