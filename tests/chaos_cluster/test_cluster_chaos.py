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
import sys
import time
from pathlib import Path

from tests.support import chaos
from tests.support.addresses import BOOTSTRAP, CASSANDRA_HOSTS, CASSANDRA_PORT
from tests.support.clients import resilient_session
from tests.support.processes import Consumer, Feed, keep_running, session_members
from tests.support.stack import cluster, cluster_check, service_running, stack_pids

KILL_CASSANDRA = int(os.environ.get("CHAOS_KILL_CASSANDRA", "2"))
KILL_KAFKA = int(os.environ.get("CHAOS_KILL_KAFKA", "3"))
NODES = int(os.environ.get("NODES", "3"))
health = cluster_check()  # stack/cluster_check.py: the checks of `make status NODES=3`


def kill9(svc: str) -> int:
    """SIGKILL the service's process group, as a crash would: no drain, no controlled shutdown."""
    pid = stack_pids([svc])[svc]
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
    return {str(r.identifiant) for r in resilient_session().execute(st, timeout=120)}


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
        self.cluster_peak = max(self.cluster_peak, _rss_mb(stack_pids().values()))
        if self.cons.running():
            self.consumer_peak = max(self.consumer_peak, _rss_mb(session_members(self.cons.proc.pid)))


def test_cassandra_node_and_kafka_broker_killed_mid_stream(sandbox, tmp_path):
    t_start = time.monotonic()
    rng = random.Random(f"{chaos.SEED}-cluster")
    inp = chaos.make_input(tmp_path, chaos.N_USERS, chaos.SEED + 20)
    cons = Consumer(sandbox, tmp_path, "--max-offsets-per-trigger", "500", "--trigger-seconds", "1",
                    "--replication-factor", str(min(3, NODES)))
    events: list[str] = []
    feed = Feed(sandbox, tmp_path, inp.path)
    killed = []
    done = back = None
    try:
        cons.start()
        # 150 s, not CHAOS_FEED_SECONDS: the nodes' restart (a Cassandra node takes ~30 s) must still find the
        # producer sending.
        feed.start("--rate", str(chaos.N_USERS / 150), "--messages-per-iteration", "50")
        mem = Memory(cons)
        assert cons.wait_batches(1, 300), cons.output()[-3000:].decode("utf-8", "replace")
        mem.sample()
        assert "consistency LOCAL_QUORUM" in cons.output().decode("utf-8", "replace"), \
            "the writes are not at LOCAL_QUORUM"
        time.sleep(rng.uniform(1.0, 5.0))
        stored = chaos.observe(sandbox).row_count
        for svc in (f"cassandra-{KILL_CASSANDRA}", f"kafka-{KILL_KAFKA}"):
            kill9(svc)
            killed.append(svc)
        batches_at_kill = len(cons.batches())
        time.sleep(chaos.DOWN_S)
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
        feed.hurry_after(back + chaos.FEED_TAIL_S)
        events.append(f"killed -9 cassandra-{KILL_CASSANDRA} and kafka-{KILL_KAFKA} at {stored:,} rows; "
                      f"{batches_down} batches committed during the {chaos.DOWN_S:.0f}s down"
                      f"; restarts kafka {kafka_s:.0f}s, cassandra {cass_s:.0f}s"
                      + ("" if feed.runs[0].running() else "; producer had finished"))
        keep_consumer = keep_running(cons, events)

        def watch():
            keep_consumer()
            mem.sample()
            feed.watch(events)
        done, obs = chaos.wait_complete(sandbox, inp, chaos.COMPLETE_TIMEOUT, watch=watch)
        feed.wait(watch)
        assert feed.done_at, "the producer did not finish"
        assert chaos.wait_caught_up(sandbox, sandbox.checkpoint(tmp_path), 300, watch=watch)
        obs = chaos.observe(sandbox)
        # Repair: Kafka's ISR back to every replica; Cassandra's hints delivered, then a full repair of the
        # keyspace on the node that was lost, then every replica must answer every row (ALL).
        isr_at = None
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            k = health.kafka_state(BOOTSTRAP)
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
        c = health.cassandra_state(CASSANDRA_HOSTS, CASSANDRA_PORT)
        assert len(c["up"]) == NODES, c
        all_ids = read_all_ids(sandbox.keyspace)
        want = inp.expected_ids(inp.days(sandbox.topic))
        assert all_ids == want, (len(all_ids), len(want))
    finally:
        cons.stop()
        feed.stop()
        for svc in killed:  # the scenario failed before the restart: bring them back anyway
            kind, i = svc.split("-")
            try:
                cluster(kind, i, "start")
            except Exception as exc:
                print(f"restarting {svc} failed: {exc}", file=sys.stderr)
    consumer_exits = [e for e in events if e.startswith("consumer exit")]
    rode = "consumer rode it out" if not consumer_exits else f"consumer restarted {len(consumer_exits)}x"
    notes = [events[0], rode,
             f"producer done +{feed.done_at - back:.0f}s",
             f"ISR restored by +{isr_at - back:.0f}s",
             f"hints delivered by +{hints_at - back:.0f}s" if hints_at else "hints still pending after 300s",
             f"nodetool repair {repair_s:.0f}s; read at ALL: {len(all_ids):,} rows",
             f"peak RSS cluster {mem.cluster_peak / 1024:.1f} GB + consumer {mem.consumer_peak / 1024:.1f} GB",
             f"wall {time.monotonic() - t_start:.0f}s"] + [e for e in events[1:] if not e.startswith("consumer exit")]
    row = chaos.finish(chaos.Row("cluster: cassandra node + kafka broker SIGKILL, 30s down",
                     recovery_s=(done - back) if done else None, notes="; ".join(notes)),
                 sandbox, inp, obs)
    chaos.assert_exact(row, sandbox, inp)
