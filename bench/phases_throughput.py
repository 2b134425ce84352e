"""The throughput phases: the producer alone, the consumer over N records, the same with changed copies of
stored users, and the row-by-row baseline on the same topic."""
from __future__ import annotations

import signal
import time
from dataclasses import replace

from tests.support import addresses
from tests.support.paths import ROOT
from tests.support.processes import child_env, stop_session
from tests.support.sandbox import Sandbox
from userprofiles.config import options

from .figures import batch_lines, per_row, steady_rate
from .launch import spark
from .records import changed_copy, landing_uuids
from .sampling import BatchClock, Sampler


def phase_producer(sb, messages, log) -> dict:
    from userprofiles.producer import loop

    # As the producer role, as producer.py is run (its credentials, no other's).
    settings = options.producer_settings(options.producer_parser(child_env("producer")).parse_args(
        ["--topic", sb.topic, "--progress-seconds", "3600", "--log-level", "WARNING"]))
    pages = [messages[i:i + 1000] for i in range(0, len(messages), 1000)]
    stats = loop.run(settings, pages=pages)
    secs = time.monotonic() - stats.started
    if stats.failed:
        raise SystemExit(f"bench: error: the producer failed {stats.failed} messages ({stats.first_error})")
    out = {"messages": stats.delivered, "seconds": round(secs, 2), "msgs_per_s": round(stats.delivered / secs),
           "linger_ms": settings.linger_ms, "compression": settings.compression}
    log(f"producer: {out['messages']} messages in {secs:.1f}s = {out['msgs_per_s']:,} msg/s")
    return out


def phase_pipeline(sb, tmp, warmup: int, records: int, expected: int, extra: list[str], log) -> dict:
    """The consumer over WARMUP records and then RECORDS more, in micro-batches of RECORDS/4. The steady rate is
    measured over the RECORDS after the warm-up, as a consumer that has been running (its code compiled by the
    JIT) would go; the same figure over the warm-up, after its first micro-batch, is reported as `cold`."""
    log_path = tmp / "pipeline.log"
    t0 = time.time()
    per_batch = ["--max-offsets-per-trigger", str(max(records // 4, 1))]
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
    rate = clock.steady(from_read=warmup)
    steady = sampler.cpu(rate.get("t10"), rate.get("t90"))
    cold = {}
    if warmup:
        cold_rate = clock.steady(to_read=warmup)
        cold_cpu = sampler.cpu(cold_rate.get("t10"), cold_rate.get("t90"))
        cold = {"cold": {**cold_rate, "cpu_steady": cold_cpu, "cpu_us_per_row": per_row(cold_cpu, cold_rate)}}
    first = clock.batches[0][0] if clock.batches else t0
    out = {**rate, "warmup_records": warmup, "expected_rows": expected, "landed": landed, "wall_s": round(wall, 1),
           "startup_s": round(first - t0, 1),
           "cpu_steady": steady, "cpu_us_per_row": per_row(steady, rate), **cold, "cpu_run": sampler.cpu(),
           "peak_rss_mb": round(sampler.peak_rss / 2**20), "batches": batch_lines(log_path), "args": extra}
    if landed != expected:
        log(f"pipeline: WARNING {landed} rows landed, {expected} expected")
    log(f"pipeline: {landed} rows, steady {rate['steady_rows_per_s']:,} rows/s after {warmup:,} warm-up records"
        + (f" ({cold['cold']['steady_rows_per_s']:,} rows/s over them)" if cold else "")
        + f", wall {wall:.1f}s, peak RSS {out['peak_rss_mb']} MB")
    return out


def phase_changed(sb, tmp, stored, new, share: float, extra: list[str], log) -> dict:
    """`new` records plus changed copies of a `share` of the phase's records, taken from `stored` (users the
    pipeline phase stored), shuffled, then the consumer on the pipeline phase's checkpoint."""
    import random

    from userprofiles.observe import reconcile

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
    n_rows, diffs = reconcile.compare(replace(addresses.SETTINGS.cassandra, keyspace=sb.keyspace),
                                      sb.mongo_settings())
    out = {**rate, "messages": len(msgs), "changed": len(changed), "rows_touched": len(touched),
           "wall_s": round(time.time() - t0, 1), "cpu_steady": steady, "cpu_us_per_row": per_row(steady, rate),
           "peak_rss_mb": round(sampler.peak_rss / 2**20), "table_rows": n_rows, "analytics_keys_differ": len(diffs),
           "batches": batch_lines(log_path)}
    log(f"changed: {len(msgs):,} records ({len(changed):,} changed copies), {rate['rows']:,} rows written, steady "
        f"{rate['steady_rows_per_s']:,} rows/s; analytics keys that differ from the table: {len(diffs)}")
    return out


def phase_baseline(sb, tmp, expected: int, budget: float, log) -> dict:
    base = Sandbox(name=sb.name + "_base")
    base.create_keyspace()   # the admin's; the baseline runs as the consumer, which may not create it
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
