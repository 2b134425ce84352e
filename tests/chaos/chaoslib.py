"""Machinery of the fault-injection scenarios: processes started in sessions of their own (so that a
SIGKILL takes the JVM and every Python worker with it), the stack's services stopped and started with
its own scripts, and the pipeline's output measured against the input."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.integration.harness import (BOOTSTRAP, CASSANDRA_HOSTS, CASSANDRA_PORT, MONGO_URI, ROOT, VENV_BIN, consume_all,
                                       env_for_children, mongo_client)
from tests.reference import age, expected_analytics

STACK = ROOT / "stack"
STACK_HOME = Path(os.environ.get("STACK_HOME", ROOT / ".stack"))
SERVICE_SCRIPT = {"kafka": "kafka.sh", "cassandra": "cassandra.sh", "ferretdb": "ferretdb.sh"}
BATCH_LINE = re.compile(rb"batch (\d+): read=")


# --- results ---------------------------------------------------------------------------------------

@dataclass
class Row:
    scenario: str
    records_in: int = 0
    rows_expected: int = 0
    rows_stored: int = 0
    duplicates: int = 0
    analytics_exact: bool = False
    recovery_s: float | None = None
    notes: str = ""

    COLUMNS = ("scenario", "records in", "rows expected", "rows stored", "duplicates", "analytics exact",
               "recovery time (s)", "notes")

    def cells(self) -> list[str]:
        return [self.scenario, f"{self.records_in:,}", f"{self.rows_expected:,}", f"{self.rows_stored:,}",
                str(self.duplicates), "yes" if self.analytics_exact else "no",
                "-" if self.recovery_s is None else f"{self.recovery_s:.0f}", self.notes]


RESULTS: list[Row] = []


def table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(Row.COLUMNS) + " |", "|" + "|".join("---" for _ in Row.COLUMNS) + "|"]
    lines += ["| " + " | ".join(r.cells()) + " |" for r in rows]
    return "\n".join(lines)


# --- processes -------------------------------------------------------------------------------------

def _session_members(sid: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == sid:  # state ppid pgrp session ...
            pids.append(int(stat.parent.name))
    return pids


def kill_session(proc: subprocess.Popen) -> None:
    """SIGKILL every process of the session PROC leads: spark-submit's JVM, the Python driver, and the
    pyspark daemon with its workers (which sit in a process group of their own)."""
    for _ in range(3):
        members = _session_members(proc.pid)
        if not members:
            break
        for pid in members:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.3)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        pass


class Program:
    """A program started in its own session, its output appended to a log file."""

    def __init__(self, name: str, cmd: list[str], log: Path):
        self.name, self.cmd, self.log = name, cmd, log
        self.proc: subprocess.Popen | None = None
        self.log_start = 0
        self.started_at = 0.0
        self.starts = 0

    def start(self) -> "Program":
        self.log_start = self.log.stat().st_size if self.log.exists() else 0
        with open(self.log, "ab") as out:
            out.write(f"\n=== {dt.datetime.now():%H:%M:%S} start {self.name} #{self.starts + 1}\n".encode())
            out.flush()
            self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=env_for_children(), stdout=out,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        self.started_at = time.monotonic()
        self.starts += 1
        return self

    def output(self) -> bytes:
        """What this run (since the last start) wrote."""
        with open(self.log, "rb") as f:
            f.seek(self.log_start)
            return f.read()

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        if self.proc is not None:
            kill_session(self.proc)

    def stop(self, grace: float = 60) -> int | None:
        """SIGTERM (the consumer then stops its query), SIGKILL of the whole session after GRACE seconds."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        kill_session(self.proc)  # leftovers (workers) too
        return self.proc.returncode

    def error_line(self, prog: str) -> str | None:
        lines = [l for l in self.output().decode("utf-8", "replace").splitlines() if l.startswith(f"{prog}: error:")]
        return lines[-1] if lines else None


class Consumer(Program):
    def __init__(self, sandbox, tmp: Path, *extra: str):
        args = sandbox.consumer_args(tmp, *extra)
        super().__init__("consumer", [str(VENV_BIN / "spark-submit"), str(ROOT / "consumer_spark.py"), *args],
                         tmp / "consumer.log")

    def batches(self) -> list[int]:
        return [int(m.group(1)) for m in BATCH_LINE.finditer(self.output())]

    def wait_batches(self, n: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.batches()) >= n:
                return True
            if not self.running():
                return False
            time.sleep(0.2)
        return False


class Producer(Program):
    def __init__(self, sandbox, tmp: Path, src: Path, *extra: str, n: int = 1):
        super().__init__("producer", [sys.executable, str(ROOT / "producer.py"), "--source", f"file:{src}",
                                      "--topic", sandbox.topic, "--progress-seconds", "2", *extra],
                         tmp / f"producer-{n}.log")

    def wait(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None


# --- services --------------------------------------------------------------------------------------

def service_running(svc: str) -> bool:
    pidfile = STACK_HOME / "run" / f"{svc}.pid"
    try:
        os.kill(int(pidfile.read_text()), 0)
        return True
    except (OSError, ValueError):
        return False


def service(svc: str, action: str, timeout: float = 300) -> float:
    """bash stack/<svc>.sh stop|start with this environment (STACK_HOME, ports); returns the seconds it took."""
    t0 = time.monotonic()
    res = subprocess.run(["bash", str(STACK / SERVICE_SCRIPT[svc]), action], cwd=ROOT, env=dict(os.environ),
                         capture_output=True, text=True, timeout=timeout)
    if res.returncode != 0:
        raise RuntimeError(f"stack/{SERVICE_SCRIPT[svc]} {action} failed: {res.stderr[-1500:]}")
    return time.monotonic() - t0


# --- input -----------------------------------------------------------------------------------------

@dataclass
class Input:
    users: list[dict]
    path: Path
    garbage: int
    today: dt.date = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).date())

    @property
    def expected_ids(self) -> set[str]:
        return {u["login"]["uuid"].lower() for u in self.users if age(u, self.today) > 13}

    def expected_analytics(self) -> dict:
        return expected_analytics(self.users, self.today)


def make_input(tmp: Path, n: int, seed: int, garbage_every: int = 100) -> Input:
    """N synthetic users as JSON Lines, with a line that is not JSON every GARBAGE_EVERY users (it must
    become a dead letter, once per copy that reaches the topic)."""
    from userprofiles import synthetic

    users = synthetic.generate_users(n, seed=seed, now=dt.datetime.now(dt.timezone.utc), minor_share=0.05)
    lines, garbage = [], 0
    for i, u in enumerate(users):
        lines.append(json.dumps(u, ensure_ascii=False))
        if garbage_every and i % garbage_every == garbage_every - 1:
            lines.append(f"garbage line {garbage} (not JSON)")
            garbage += 1
    path = tmp / "input.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Input(users, path, garbage)


# --- measuring the output --------------------------------------------------------------------------

_cass = None
READ_CONSISTENCY = os.environ.get("CHAOS_READ_CONSISTENCY", "LOCAL_ONE")


def cassandra():
    """A session that reconnects every second (the scenarios restart Cassandra under it)."""
    global _cass
    if _cass is None:
        from cassandra import ConsistencyLevel
        from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
        from cassandra.policies import ConstantReconnectionPolicy, DCAwareRoundRobinPolicy

        # The checks read at READ_CONSISTENCY: LOCAL_ONE (the driver's default) on one node; the cluster
        # scenario reads at LOCAL_QUORUM, then ALL once the lost node is back and repaired.
        profile = ExecutionProfile(load_balancing_policy=DCAwareRoundRobinPolicy(), request_timeout=60,
                                   consistency_level=ConsistencyLevel.name_to_value[READ_CONSISTENCY])
        cluster = Cluster(CASSANDRA_HOSTS, port=CASSANDRA_PORT, protocol_version=5,
                          execution_profiles={EXEC_PROFILE_DEFAULT: profile},
                          # max_attempts=None: the default gives up on the node after 64 attempts,
                          # i.e. for good after a 64 s outage.
                          reconnection_policy=ConstantReconnectionPolicy(1.0, max_attempts=None), connect_timeout=5,
                          control_connection_timeout=5)
        _cass = cluster.connect()
    return _cass


def close() -> None:
    global _cass
    if _cass is not None:
        _cass.cluster.shutdown()
        _cass = None


@dataclass
class Observed:
    ids: set = field(default_factory=set)
    row_count: int = 0
    analytics: dict = field(default_factory=dict)

    @property
    def counted(self) -> int:
        return sum(v["count"] for v in self.analytics.get("by_gender", {}).values())


def observe(sandbox) -> Observed:
    from userprofiles.sinks.mongo import MongoConf, read_analytics

    rs = cassandra().execute(f"SELECT identifiant FROM {sandbox.keyspace}.users_profiles", timeout=60)
    ids = [str(r.identifiant) for r in rs]
    an = read_analytics(MongoConf(MONGO_URI, sandbox.mongo_db))
    return Observed(set(ids), len(ids), an)


def wait_complete(sandbox, inp: Input, timeout: float, watch=None) -> tuple[float | None, Observed]:
    """Poll the stores until they hold exactly the expected rows and analytics; returns (the monotonic time
    it was first seen complete, or None on timeout, and the last observation). WATCH, called at each
    poll, may restart what died."""
    want_ids, want_an = inp.expected_ids, inp.expected_analytics()
    deadline = time.monotonic() + timeout
    last = Observed()
    while time.monotonic() < deadline:
        if watch:
            watch()
        try:
            last = observe(sandbox)
        except Exception:  # a store is (still) down: keep polling, with a new Cassandra session
            close()
            time.sleep(2)
            continue
        if last.ids == want_ids and last.analytics == want_an:
            return time.monotonic(), last
        time.sleep(1)
    return None, last


def records_in(topic: str) -> int:
    from confluent_kafka import Consumer as KConsumer, TopicPartition

    c = KConsumer({"bootstrap.servers": BOOTSTRAP, "group.id": "chaos-count"})
    try:
        md = c.list_topics(topic, timeout=30).topics[topic]
        total = 0
        for p in md.partitions:
            lo, hi = c.get_watermark_offsets(TopicPartition(topic, p), timeout=30)
            total += hi - lo
        return total
    finally:
        c.close()


def end_offsets(topic: str) -> dict[int, int]:
    from confluent_kafka import Consumer as KConsumer, TopicPartition

    c = KConsumer({"bootstrap.servers": BOOTSTRAP, "group.id": "chaos-count"})
    try:
        md = c.list_topics(topic, timeout=30).topics[topic]
        return {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=30)[1] for p in md.partitions}
    finally:
        c.close()


def committed_offsets(checkpoint: Path, topic: str) -> dict[int, int]:
    """The source offsets up to which the consumer's checkpoint has committed batches."""
    commits = [int(p.name) for p in (checkpoint / "commits").glob("[0-9]*")]
    if not commits:
        return {}
    last = (checkpoint / "offsets" / str(max(commits))).read_text().strip().splitlines()[-1]
    return {int(k): v for k, v in json.loads(last).get(topic, {}).items()}


def wait_caught_up(sandbox, checkpoint: Path, timeout: float, watch=None) -> bool:
    """Wait until the consumer has committed every message of the topic (the stores can be complete
    earlier, while it still reads copies and garbage sent again)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if watch:
            watch()
        try:
            if committed_offsets(checkpoint, sandbox.topic) == end_offsets(sandbox.topic):
                return True
        except Exception:
            pass
        time.sleep(1)
    return False


def dead_letter_check(sandbox, total_in: int) -> tuple[int, int]:
    """(source messages that are garbage, those of them with a dead letter)."""
    source = consume_all(sandbox.topic, total_in, timeout=60)
    garbage = {(m.partition(), m.offset()) for m in source if (m.value() or b"").startswith(b"garbage line")}
    letters = {(json.loads(m.value())["source_partition"], json.loads(m.value())["source_offset"])
               for m in consume_all(sandbox.dlq, len(garbage), timeout=60)}
    return len(garbage), len(garbage & letters)


def finish(row: Row, sandbox, inp: Input, obs: Observed) -> Row:
    row.records_in = records_in(sandbox.topic)
    row.rows_expected = len(inp.expected_ids)
    row.rows_stored = obs.row_count
    # Cassandra rows cannot repeat (the uuid is the key); a profile counted twice in the analytics can.
    row.duplicates = (obs.row_count - len(obs.ids)) + max(0, obs.counted - len(inp.expected_ids))
    row.analytics_exact = obs.analytics == inp.expected_analytics()
    RESULTS.append(row)
    print("\n" + table([row]).splitlines()[-1], flush=True)
    return row


def drop_sandbox(sandbox) -> None:
    from confluent_kafka.admin import AdminClient

    try:
        AdminClient({"bootstrap.servers": BOOTSTRAP}).delete_topics([sandbox.topic, sandbox.dlq])
    except Exception:
        pass
    try:
        cassandra().execute(f"DROP KEYSPACE IF EXISTS {sandbox.keyspace}", timeout=120)
    except Exception:
        pass
    try:
        mongo_client().drop_database(sandbox.mongo_db)
    except Exception:
        pass
