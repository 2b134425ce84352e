"""Throughput and latency of the pipeline on the local stack (make up), against the row-by-row design.

    python -m bench.run [--records N] [--latency-rate R] [--latency-seconds S] [--quick] [--help]

Phases, each in private names (topic, keyspace, database bench_<id>, dropped at the end):
  1. producer:  N synthetic records, generated first, then sent through userprofiles.producer.loop (timed: the
                sending only) -> messages/s;
  2. pipeline:  consumer_spark.py --available-now over W warm-up records, then those N, in micro-batches of N/4
                -> rows/s over the N (a running consumer, its code compiled by the JIT) and over the W after the
                first micro-batch (cold: the JIT still compiling beside the tasks), each from the commits of
                the micro-batches that bound them;
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
import logging
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from tests.support import addresses
from tests.support.clients import close_clients
from tests.support.paths import ROOT
from tests.support.sandbox import Sandbox
from tests.support.stack import STACK_HOME, stack_pids
from userprofiles.config import options
from userprofiles.config.logs import setup_logging
from userprofiles.config.option_table import BENCH_OPTIONS
from userprofiles.config.settings import uri_address

from .phases_latency import phase_latency, phase_trickle
from .phases_state import phase_state
from .phases_throughput import phase_baseline, phase_changed, phase_pipeline, phase_producer
from .records import generate, landing_uuids
from .report import machine, summary, table
from .sampling import SERVICES

RESULTS = ROOT / "bench" / "results"


def parser() -> argparse.ArgumentParser:
    p = options.parser("python -m bench.run", __doc__.split("\n\n")[0], BENCH_OPTIONS)
    # A list of flags handed on to the consumer as they are: no environment variable stands for it.
    p.add_argument("--consumer-arg", action="append", default=[],
                   help="extra flag for consumer_spark.py, e.g. --consumer-arg=--trigger-seconds=0.5 (repeatable)")
    return p


class _NoCountWarning(logging.Filter):
    """Drops Cassandra's warning on the bench's own `SELECT count(*)` (how it sees rows land, several times a
    second): one line each, pages of them, about a query the bench means to make."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Aggregation query used without partition key" not in record.getMessage()


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    setup_logging(args.log_level)
    logging.getLogger("cassandra.protocol").addFilter(_NoCountWarning())
    if args.quick:
        args.records, args.latency_seconds, args.baseline_seconds = 20_000, 15.0, 20.0
        args.state_profiles = min(args.state_profiles, 50_000)
        args.latency_warmup_seconds = min(args.latency_warmup_seconds, 5.0)
        args.pipeline_warmup_records = min(args.pipeline_warmup_records, 20_000)
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
                              "mongo": uri_address(addresses.MONGO_URI)}}
    name = "bench_" + uuid.uuid4().hex[:8]
    sb = Sandbox(name=name, partitions=args.partitions)
    lat_sb = Sandbox(name=name + "_lat", partitions=args.partitions)
    tmp = Path(tempfile.mkdtemp(prefix=name + "-"))
    log(f"load average {os.getloadavg()[0]:.2f}; names {name}*; logs in {tmp}")
    n_lat = int(args.latency_rate * args.latency_seconds) if "latency" not in skip else 0
    n_warm = int(args.latency_rate * args.latency_warmup_seconds) if "latency" not in skip else 0
    n_trk = int(args.trickle_rate * args.trickle_seconds) if "trickle" not in skip else 0
    n_rec = args.records if "pipeline" not in skip or "producer" not in skip else 0
    n_pw = args.pipeline_warmup_records if "pipeline" not in skip else 0
    with_changed = n_rec and not skip & {"pipeline", "changed"}
    n_new = int(n_rec / 2 * (1 - args.changed_share)) if with_changed else 0
    t = time.time()
    all_msgs = iter(generate(n_pw + n_rec + n_new + n_lat + n_warm + 200 + (n_trk + 200 if n_trk else 0), args.seed))
    take = lambda n: [next(all_msgs) for _ in range(n)]  # noqa: E731
    pipe_warm, msgs, new_msgs, lat_msgs = take(n_pw), take(n_rec), take(n_new), take(n_lat)
    lat_warm, warm = take(n_warm), take(200)
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
        if n_pw:  # ahead of the producer phase's records in the topic, sent untimed
            sb.produce([v for _, v in pipe_warm], keys=[k for k, _ in pipe_warm])
        if n_rec:
            result["producer"] = phase_producer(sb, msgs, log)
        if n_rec and "pipeline" not in skip:
            in_topic = expected + len(landing_uuids(pipe_warm))
            result["pipeline"] = phase_pipeline(sb, tmp, n_pw, n_rec, in_topic, args.consumer_arg, log)
            if "baseline" not in skip:
                result["baseline"] = phase_baseline(sb, tmp, in_topic, args.baseline_seconds, log)
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
