"""The soak: the pipeline for SOAK_MINUTES on the local stack, a bounded population of users at a steady rate,
malformed messages among them, a fault every SOAK_FAULT_MINUTES (soak/plan.py), a sample of every process,
folder and lag every 15 s, then a drain and the exact check of the stores; the pass criteria (soak/verdict.py)
printed as a table, exit status 1 on any miss.

    make soak                      (SOAK_MINUTES=60 SOAK_FAULT_MINUTES=6 SOAK_RATE=300 ...)
    python -m soak.run --minutes 8 --fault-minutes 2.5 --only consumer-kill,kafka-kill
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from soak import plan, probe, verdict
from tests import reference
from tests.support import stack
from tests.support.chaos import committed_offsets, wait_caught_up
from tests.support.clients import close_clients, produce, topic_messages, watermarks
from tests.support.paths import ROOT
from tests.support.processes import Consumer, Program, child_env, producer_cmd, session_members
from tests.support.sandbox import Sandbox

SAMPLE_S = 15.0
LAG_S = 2.0
RESULTS = ROOT / "bench" / "results"
BATCH = re.compile(rb"micro-batch (\d+): read=(\d+).* in ([\d.]+)s .*state=(\d+) profiles \((\d+) MB memory, "
                   rb"(\d+) MB files\)")


def parser() -> argparse.ArgumentParser:
    env = os.environ.get
    p = argparse.ArgumentParser(prog="python -m soak.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=float(env("SOAK_MINUTES", 60)))
    p.add_argument("--fault-minutes", type=float, default=float(env("SOAK_FAULT_MINUTES", 6)))
    p.add_argument("--rate", type=float, default=float(env("SOAK_RATE", 300)))
    p.add_argument("--population", type=int, default=int(env("SOAK_POPULATION", 20_000)))
    p.add_argument("--changed-share", type=float, default=float(env("SOAK_CHANGED_SHARE", 0.05)))
    p.add_argument("--malformed-share", type=float, default=float(env("SOAK_MALFORMED_SHARE", 0.01)))
    p.add_argument("--seed", default=env("SOAK_SEED", "1"))
    p.add_argument("--only", default=env("SOAK_ONLY", ""), help="comma list of faults (soak/plan.py)")
    return p


class Run:
    """One soak: its sandbox, programs, samples and events."""

    def __init__(self, args, out: Path):
        self.args, self.out = args, out
        self.sb = Sandbox(name="soak_" + dt.datetime.now(dt.UTC).strftime("%m%d%H%M"), partitions=6)
        self.ckpt = self.sb.checkpoint(out)
        self.t0 = time.monotonic()
        self.samples: list[probe.Sample] = []
        self.lag: list[tuple[float, float]] = []
        self.events: list[tuple[float, str]] = []
        self.consumer_starts: list[float] = []
        self.backs: list[tuple[str, float]] = []
        self.stop = threading.Event()
        self.held = threading.Lock()   # held while a fault restarts the consumer itself
        self.consumer = Consumer(self.sb, out, "--metrics-port", "0")
        self.consumer.env = {**self.consumer.env,
                             "SPARK_SUBMIT_OPTS": f"-Xlog:gc:file={out}/gc-consumer-%p.log:time,pid"}
        self.producer = Program("producer", producer_cmd([
            "--source", "synthetic", "--population", str(args.population), "--changed-share",
            str(args.changed_share), "--seed", str(args.seed), "--rate", str(args.rate), "--topic", self.sb.topic,
            "--progress-seconds", "60"]), out / "producer.log", self.sb.env("producer"))
        self.malformed = 0
        self.producing = threading.Event()
        self.producing.set()

    def now(self) -> float:
        return time.monotonic() - self.t0

    def note(self, text: str) -> None:
        self.events.append((self.now(), text))
        print(f"[soak {self.now() / 60:5.1f} min] {text}", flush=True)

    # --- programs -----------------------------------------------------------------------------------------

    def start_consumer(self) -> None:
        self.consumer.start()
        self.consumer_starts.append(self.now())

    def supervise(self) -> None:
        """A consumer or producer that ended is started again (the consumer exits on a lost service)."""
        while not self.stop.wait(1.0):
            with self.held:
                if not self.consumer.running():
                    self.note(f"consumer exited ({self.consumer.proc.returncode}): started again")
                    self.start_consumer()
            if not self.producing.is_set():
                continue
            if not self.producer.running():
                self.note(f"producer exited ({self.producer.proc.returncode}): started again")
                self.producer.start()

    def inject(self) -> None:
        """Malformed messages at MALFORMED_SHARE of the rate, each of another kind, keyed malformed-N."""
        kinds = [b"not JSON %d", b'{"login": {"uuid": %d}}', b"[%d]", b'{"login": {"uuid": "u-%d"}, "dob": 1}',
                 b"\xff\xfe %d", b'{"name": "x%d"']
        every = 1.0 / max(self.args.rate * self.args.malformed_share, 1e-9)
        while not self.stop.wait(every):
            if not self.producing.is_set():
                continue
            n = self.malformed
            try:
                produce(self.sb.topic, [kinds[n % len(kinds)] % n], keys=[b"malformed-%d" % n])
                self.malformed += 1
            except Exception:  # Kafka is down: this one is not sent, and not counted
                pass

    # --- sampling -----------------------------------------------------------------------------------------

    def watch_lag(self) -> None:
        while not self.stop.wait(LAG_S):
            try:
                ends = {p: hi for p, (_lo, hi) in watermarks(self.sb.topic, timeout=5).items()}
                done = committed_offsets(self.ckpt, self.sb.topic)
                self.lag.append((self.now(), float(sum(hi - done.get(p, 0) for p, hi in ends.items()))))
            except Exception:
                pass

    def roles(self) -> list[tuple[str, int]]:
        out = [(svc, pid) for svc, pid in stack.stack_pids().items() if svc in ("kafka", "cassandra", "ferretdb")]
        if self.producer.proc and self.producer.running():
            out.append(("producer", self.producer.proc.pid))
        if self.consumer.proc and self.consumer.running():
            sid = self.consumer.proc.pid
            out += [(probe.role_of(pid), pid) for pid in session_members(sid)]
        return out

    def sample(self) -> None:
        data = stack.STACK_HOME / "data"
        while not self.stop.wait(SAMPLE_S):
            t = self.now()
            batch: list[probe.Sample] = [*probe.processes(self.roles(), t), *probe.checkpoint(self.ckpt, t)]
            files, size = probe.folder(self.ckpt)
            batch += [probe.Sample(t, "checkpoint_files", "all", files), probe.Sample(t, "checkpoint_mb", "all",
                                                                                    size / 1e6)]
            ks = data / "cassandra" / "data" / self.sb.keyspace
            batch.append(probe.Sample(t, "sstables", "users_profiles", probe.sstables(ks, "users_profiles")))
            files, size = probe.folder(data / "ferretdb")
            batch += [probe.Sample(t, "ferretdb_files", "data", files),
                      probe.Sample(t, "ferretdb_mb", "data", size / 1e6)]
            lines = list(BATCH.finditer(self.consumer.output())) if self.consumer.proc else []
            if lines:
                last = lines[-1]
                batch += [probe.Sample(t, "state_rows", "consumer", int(last.group(4))),
                          probe.Sample(t, "state_mb", "consumer", int(last.group(5)) + int(last.group(6)))]
                walls = sorted(float(m.group(3)) for m in lines[-40:])
                batch += [probe.Sample(t, "batch_p50_s", "consumer", statistics.median(walls)),
                          probe.Sample(t, "batch_p99_s", "consumer", walls[int(0.99 * (len(walls) - 1))])]
            if self.lag:
                batch.append(probe.Sample(t, "lag", self.sb.topic, self.lag[-1][1]))
            self.samples += batch

    # --- faults -------------------------------------------------------------------------------------------

    def fault(self, slot: plan.Slot) -> None:
        name = slot.fault.name
        self.note(f"fault {name}: {slot.fault.what}")
        if name in ("consumer-kill", "consumer-term"):
            with self.held:
                if name == "consumer-kill":
                    self.consumer.kill()
                else:
                    self.consumer.stop(grace=60)
                self.start_consumer()
            self.backs.append((name, self.now()))
        elif name == "consumer-stop":
            os.killpg(self.consumer.proc.pid, signal.SIGSTOP)
            time.sleep(20)
            os.killpg(self.consumer.proc.pid, signal.SIGCONT)
            self.backs.append((name, self.now()))
        elif name == "producer-kill":
            self.producer.kill()   # the supervisor starts it again
            self.backs.append((name, self.now()))
        elif name in ("kafka-kill", "cassandra-kill"):
            svc = name.split("-")[0]
            pid = stack.stack_pids([svc]).get(svc)
            if pid:
                os.killpg(pid, signal.SIGKILL)   # its process group, as a crash would: no drain
            time.sleep(30)
            stack.service(svc, "start")
            self.backs.append((name, self.now()))
        elif name == "ferretdb-stop":
            stack.service("ferretdb", "stop")
            time.sleep(30)
            stack.service("ferretdb", "start")
            self.backs.append((name, self.now()))
        elif name == "kafka-restart":
            stack.service("kafka", "stop")
            stack.service("kafka", "start")
            self.backs.append((name, self.now()))
        self.note(f"fault {name}: service back")

    # --- the end --------------------------------------------------------------------------------------------

    def verify(self) -> list[verdict.Check]:
        """The latest copy of each user in the topic, as the reference computes it, against every row of the
        table and the analytics; the dead letters' keys."""
        checks = []
        latest: dict[str, tuple[tuple[int, int], dict, dt.date]] = {}
        messages = topic_messages(self.sb.topic, timeout=600)
        sent_malformed = 0
        for m in messages:
            if (m.key() or b"").startswith(b"malformed-"):
                sent_malformed += 1
                continue
            record = json.loads(m.value())
            ident = record["login"]["uuid"].lower()
            version = (m.timestamp()[1], m.offset())
            if version > latest.get(ident, ((-1, -1), None, None))[0]:
                latest[ident] = (version, record, reference.utc_day(m.timestamp()[1]))
        days = {i: day for i, (_v, _r, day) in latest.items()}
        records = [r for _v, r, _d in latest.values()]
        expected = {i: reference.expected_row(r, days) for i, (_v, r, _d) in latest.items()
                    if reference.age(r, days) > 13}
        rows = self.sb.rows()
        missing = len(set(expected) - set(rows))
        extra = len(set(rows) - set(expected))
        differ = sum(1 for i in set(expected) & set(rows)
                     if dict(rows[i], identifiant=str(rows[i]["identifiant"])) != expected[i])
        checks.append(verdict.Check("rows exact (missing / extra / differing)", f"{missing} / {extra} / {differ} "
                                    f"of {len(expected):,}", "0 / 0 / 0", missing == extra == differ == 0))
        analytics_ok = self.sb.analytics() == reference.expected_analytics(records, days)
        checks.append(verdict.Check("analytics equal the reference", "equal" if analytics_ok else "differ",
                                    "equal", analytics_ok))
        rec = subprocess.run([sys.executable, "-m", "userprofiles.observe.reconcile", "--keyspace", self.sb.keyspace,
                              "--mongo-db", self.sb.mongo_db], capture_output=True, text=True, env=child_env("admin"))
        checks.append(verdict.Check("make reconcile", (rec.stdout.strip().splitlines() or ["no output"])[-1][:60],
                                    "exit 0", rec.returncode == 0))
        letters = [m.key() for m in topic_messages(self.sb.dlq, timeout=300)]
        unique = len(letters) == len(set(letters))
        checks.append(verdict.Check("dead letters: one per malformed message, keys unique",
                                    f"{len(set(letters)):,} keys, {len(letters):,} letters, {sent_malformed:,} sent",
                                    "keys = sent = letters", unique and len(set(letters)) >= sent_malformed))
        return checks

    def write(self, checks: list[verdict.Check]) -> None:
        with open(self.out / "samples.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["t_s", "metric", "subject", "value"])
            w.writerows((f"{s.t_s:.1f}", s.metric, s.subject, f"{s.value:.3f}") for s in self.samples)
        events = "\n".join(f"- {t / 60:.1f} min: {e}" for t, e in self.events)
        (self.out / "report.md").write_text(f"# Soak {self.out.name}\n\n{verdict.table(checks)}\n\n"
                                            f"## Events\n\n{events}\n")

    def checks(self, end_s: float, faults_end_s: float) -> list[verdict.Check]:
        out = []
        lives: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for s in self.samples:
            if s.metric == "rss_mb":
                lives.setdefault((s.subject.split(":")[0], s.subject), []).append((s.t_s, s.value))
        out += verdict.memory_checks("RSS", [verdict.Life(role, int(subj.split(":")[1]), pts[0][0], tuple(pts))
                                             for (role, subj), pts in lives.items()])
        for metric in ("checkpoint_files", "checkpoint_mb", "state_mb"):
            pts = [(s.t_s, s.value) for s in self.samples if s.metric == metric and s.subject in ("all", "consumer")]
            out.append(verdict.level_off(metric, pts, 0, faults_end_s))
        threshold = max(self.args.rate * 2, 100)   # about a micro-batch's worth at the rate
        out += [verdict.recovery_check(name, self.lag, back, threshold) for name, back in self.backs]
        need = min(verdict.STRETCH_S, end_s / 3)
        out.append(verdict.stretch_check(self.consumer_starts, faults_end_s, need))
        return out


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    only = tuple(n for n in args.only.split(",") if n)
    slots = plan.rotation(args.minutes, args.fault_minutes, args.seed, only=only)
    out = RESULTS / f"soak-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}"
    out.mkdir(parents=True)
    run = Run(args, out)
    run.sb.create_topics()
    run.sb.create_keyspace()
    try:
        run.note(f"{args.minutes:g} minutes, {len(slots)} faults: " + ", ".join(s.fault.name for s in slots))
        run.start_consumer()
        run.producer.start()
        threads = [threading.Thread(target=f, daemon=True) for f in (run.supervise, run.inject, run.watch_lag,
                                                                   run.sample)]
        for th in threads:
            th.start()
        for slot in slots:
            time.sleep(max(0.0, slot.at_s - run.now()))
            run.fault(slot)
        faults_end = args.minutes * 60 - min(args.fault_minutes * 60 / 2, 180)
        time.sleep(max(0.0, faults_end - run.now()))
        run.producing.clear()
        run.producer.stop()
        run.note("producer stopped: draining")
        caught_up = wait_caught_up(run.sb, run.ckpt, 600)
        run.note(f"drained: {caught_up}")
        run.stop.set()
        checks = run.checks(run.now(), faults_end) + run.verify()
    finally:
        run.stop.set()
        run.producer.stop()
        run.consumer.stop()
    run.write(checks)
    print(verdict.table(checks))
    print(f"soak: results in {out}")
    close_clients()
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
