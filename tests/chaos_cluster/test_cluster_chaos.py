"""A node lost mid-stream on the 3-node cluster (make chaos-cluster): while the producer sends (acks=all,
topic RF 3, min.insync.replicas 2) and the consumer writes (keyspace RF 3, LOCAL_QUORUM), one Cassandra
node and one Kafka broker are killed with SIGKILL. The consumer must keep going (or be restarted from its
checkpoint), the producer must finish; the node and the broker come back, the cluster repairs (ISR
restored, hints delivered, nodetool repair), and every row and every counter must be exact, with every
replica holding every row (a read at ALL).

Environment: CHAOS_SEED (4), CHAOS_USERS (5000), CHAOS_DOWN_SECONDS (30), CHAOS_KILL_CASSANDRA (2),
CHAOS_KILL_KAFKA (3): which node and broker are killed.
"""
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.chaos import chaoslib
from tests.chaos.chaoslib import (_session_members, Consumer, Producer, Row, STACK, STACK_HOME, dead_letter_check, finish, make_input,
                                  observe, service_running, wait_caught_up, wait_complete)
from tests.integration.harness import BOOTSTRAP, CASSANDRA_HOSTS, CASSANDRA_PORT, ROOT

sys.path.insert(0, str(STACK))
import cluster_check  # noqa: E402  (stack/cluster_check.py)

SEED = int(os.environ.get("CHAOS_SEED", "4"))
N_USERS = int(os.environ.get("CHAOS_USERS", "5000"))
DOWN_S = float(os.environ.get("CHAOS_DOWN_SECONDS", "30"))
KILL_CASSANDRA = int(os.environ.get("CHAOS_KILL_CASSANDRA", "2"))
KILL_KAFKA = int(os.environ.get("CHAOS_KILL_KAFKA", "3"))
NODES = int(os.environ.get("NODES", "3"))
COMPLETE_TIMEOUT = 900


def cluster(*args: str, timeout: float = 400) -> str:
    res = subprocess.run(["bash", str(STACK / "cluster.sh"), *args], cwd=ROOT, env=dict(os.environ),
                         capture_output=True, text=True, timeout=timeout)
    if res.returncode != 0:
        raise RuntimeError(f"stack/cluster.sh {' '.join(args)} failed: {res.stderr[-1500:]}")
    return res.stdout


def kill9(svc: str) -> int:
    """SIGKILL the service's process group, as a crash would: no drain, no controlled shutdown."""
    pid = int((STACK_HOME / "run" / f"{svc}.pid").read_text())
    os.killpg(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and service_running(svc):
        time.sleep(0.2)
    return pid


def pending_hints(node: int) -> int:
    """Hint files node NODE still holds for other nodes (nodetool listpendinghints)."""
    out = cluster("cassandra", str(node), "nodetool", "listpendinghints", timeout=120)
    return sum(1 for line in out.splitlines()[1:] if line.strip() and "no pending hints" not in line.lower()
               and not line.startswith("Host ID"))


def read_all_ids(keyspace: str) -> set[str]:
    from cassandra import ConsistencyLevel
    from cassandra.query import SimpleStatement

    st = SimpleStatement(f"SELECT identifiant FROM {keyspace}.users_profiles", consistency_level=ConsistencyLevel.ALL,
                         fetch_size=5000)
    return {str(r.identifiant) for r in chaoslib.cassandra().execute(st, timeout=120)}


def _rss_mb(pids) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) // 1024
        except (OSError, ValueError):
            pass
    return total


class Memory:
    """Peak RSS of the cluster's services (their PID files) and of the consumer (its session: JVM + Python workers)."""
    def __init__(self, cons: Consumer):
        self.cons, self.cluster_peak, self.consumer_peak = cons, 0, 0

    def sample(self) -> None:
        pids = []
        for f in (STACK_HOME / "run").glob("*.pid"):
            try:
                pids.append(int(f.read_text()))
            except ValueError:
                pass
        self.cluster_peak = max(self.cluster_peak, _rss_mb(pids))
        if self.cons.running():
            self.consumer_peak = max(self.consumer_peak, _rss_mb(_session_members(self.cons.proc.pid)))


def _keep_running(cons: Consumer, events: list):
    def watch():
        if not cons.running():
            events.append(f"consumer exit {cons.proc.returncode}: {cons.error_line('consumer_spark.py')}")
            cons.start()
    return watch


def test_cassandra_node_and_kafka_broker_killed_mid_stream(sandbox, tmp_path):
    t_start = time.monotonic()
    rng = random.Random(f"{SEED}-cluster")
    inp = make_input(tmp_path, N_USERS, SEED + 20)
    cons = Consumer(sandbox, tmp_path, "--max-offsets-per-trigger", "500", "--trigger-seconds", "1",
                    "--replication-factor", str(min(3, NODES)))
    events: list[str] = []
    producers: list[Producer] = []
    state = {"produced_at": None, "resumed_at": None}
    killed = []
    done = back = None
    try:
        cons.start()
        producers.append(Producer(sandbox, tmp_path, inp.path, "--rate", str(N_USERS / 150), "--batch-size", "50",
                                  n=1).start())
        mem = Memory(cons)
        assert cons.wait_batches(1, 300), cons.output()[-3000:].decode("utf-8", "replace")
        mem.sample()
        assert "consistency LOCAL_QUORUM" in cons.output().decode("utf-8", "replace"), "the writes are not at LOCAL_QUORUM"
        time.sleep(rng.uniform(1.0, 5.0))
        stored = observe(sandbox).row_count
        kill9(f"cassandra-{KILL_CASSANDRA}"); killed.append(f"cassandra-{KILL_CASSANDRA}")
        kill9(f"kafka-{KILL_KAFKA}"); killed.append(f"kafka-{KILL_KAFKA}")
        t_kill = time.monotonic()
        batches_at_kill = len(cons.batches())
        time.sleep(DOWN_S)
        batches_down = len(cons.batches()) - batches_at_kill
        # The node and the broker come back with the stack's own scripts (the same data folders).
        t0 = time.monotonic()
        cluster("kafka", str(KILL_KAFKA), "start")
        kafka_s = time.monotonic() - t0
        t0 = time.monotonic()
        cluster("cassandra", str(KILL_CASSANDRA), "start")
        cass_s = time.monotonic() - t0
        killed.clear()
        back = time.monotonic()
        events.append(f"killed -9 cassandra-{KILL_CASSANDRA} and kafka-{KILL_KAFKA} at {stored:,} rows; "
                      f"{batches_down} batches committed during the {DOWN_S:.0f}s down"
                      f"; restarts kafka {kafka_s:.0f}s, cassandra {cass_s:.0f}s"
                      + ("" if producers[0].running() else "; producer had finished"))
        keep_consumer = _keep_running(cons, events)

        def watch():
            keep_consumer()
            mem.sample()
            p = producers[-1]
            if not p.running() and state["produced_at"] is None:
                if p.proc.returncode == 0:
                    state["produced_at"] = time.monotonic()
                elif len(producers) < 3:
                    events.append(f"producer exit {p.proc.returncode}: {p.error_line('producer.py')}; rerun")
                    producers.append(Producer(sandbox, tmp_path, inp.path, "--batch-size", "1000",
                                              n=len(producers) + 1).start())
        done, obs = wait_complete(sandbox, inp, COMPLETE_TIMEOUT, watch=watch)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and (producers[-1].running() or state["produced_at"] is None):
            watch()
            time.sleep(1)
        assert state["produced_at"], "the producer did not finish"
        assert wait_caught_up(sandbox, sandbox.checkpoint(tmp_path), 300, watch=watch)
        obs = observe(sandbox)
        # Repair: Kafka's ISR back to every replica; Cassandra's hints delivered, then a full repair of the
        # keyspace on the node that was lost, then every replica must answer every row (ALL).
        isr_at = None
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            k = cluster_check.kafka_state(BOOTSTRAP)
            if k["brokers"] == NODES and not k["under_replicated"] and not k["leaderless"]:
                isr_at = time.monotonic()
                break
            time.sleep(2)
        assert isr_at, f"ISR not restored: {k['under_replicated'][:5]}"
        hints_at = None
        deadline = time.monotonic() + 300
        others = [i for i in range(1, NODES + 1) if i != KILL_CASSANDRA]
        while time.monotonic() < deadline:
            if all(pending_hints(i) == 0 for i in others):
                hints_at = time.monotonic()
                break
            time.sleep(3)
        t0 = time.monotonic()
        cluster("cassandra", str(KILL_CASSANDRA), "nodetool", "repair", "-full", sandbox.keyspace, timeout=600)
        repair_s = time.monotonic() - t0
        c = cluster_check.cassandra_state(CASSANDRA_HOSTS, CASSANDRA_PORT)
        assert len(c["up"]) == NODES, c
        all_ids = read_all_ids(sandbox.keyspace)
        assert all_ids == inp.expected_ids, (len(all_ids), len(inp.expected_ids))
    finally:
        cons.stop()
        for p in producers:
            p.stop(5)
        for svc in killed:  # the scenario failed before the restart: bring them back anyway
            kind, i = svc.split("-")
            try:
                cluster(kind, i, "start")
            except Exception as exc:
                print(f"restarting {svc} failed: {exc}", file=sys.stderr)
    consumer_exits = [e for e in events if e.startswith("consumer exit")]
    rode = "consumer rode it out" if not consumer_exits else f"consumer restarted {len(consumer_exits)}x"
    notes = [events[0], rode,
             f"producer done +{state['produced_at'] - back:.0f}s",
             f"ISR restored by +{isr_at - back:.0f}s",
             f"hints delivered by +{hints_at - back:.0f}s" if hints_at else "hints still pending after 300s",
             f"nodetool repair {repair_s:.0f}s; read at ALL: {len(all_ids):,} rows",
             f"peak RSS cluster {mem.cluster_peak / 1024:.1f} GB + consumer {mem.consumer_peak / 1024:.1f} GB",
             f"wall {time.monotonic() - t_start:.0f}s"] + [e for e in events[1:] if not e.startswith("consumer exit")]
    row = finish(Row("cluster: cassandra node + kafka broker SIGKILL, 30s down",
                     recovery_s=(done - back) if done else None, notes="; ".join(notes)),
                 sandbox, inp, obs)
    assert row.rows_stored == row.rows_expected, row
    assert row.duplicates == 0, row
    assert row.analytics_exact, row
    garbage, lettered = dead_letter_check(sandbox, row.records_in)
    assert garbage >= inp.garbage and lettered == garbage, (garbage, lettered)
