"""Health of the replicated cluster (make up/status NODES=3, and the cluster chaos scenario).

Usage: python stack/cluster_check.py [--wait SECONDS]
Kafka (KAFKA_BOOTSTRAP_SERVERS): every broker registered, and every partition of every topic with its full
replica set in sync (ISR = replicas). Cassandra (CASSANDRA_HOSTS, CASSANDRA_PORT): every node up in the ring
as the driver sees it (gossip), and every keyspace's replication. Exit 0 when all is healthy.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # the checkout, for its access module
from userprofiles.access import secrets  # noqa: E402
from userprofiles.access.provision import kafka_client_config  # noqa: E402


def kafka_state(bootstrap: str) -> dict:
    """{'brokers': n, 'partitions': n, 'under_replicated': [(topic, partition, replicas, isr)], 'leaderless': [...]}"""
    from confluent_kafka.admin import AdminClient

    conf = kafka_client_config(secrets.read("admin"), bootstrap)
    md = AdminClient({**conf, "socket.timeout.ms": 5000}).list_topics(timeout=10)
    under, leaderless, n = [], [], 0
    for name, t in md.topics.items():
        for p in t.partitions.values():
            n += 1
            if set(p.isrs) != set(p.replicas):
                under.append((name, p.id, sorted(p.replicas), sorted(p.isrs)))
            if p.leader < 0:
                leaderless.append((name, p.id))
    return {"brokers": len(md.brokers), "partitions": n, "under_replicated": under, "leaderless": leaderless}


def cassandra_state(hosts: list[str], port: int) -> dict:
    """{'up': [addresses], 'down': [addresses], 'keyspaces': {name: replication options}} seen by the driver."""
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import Cluster

    admin = secrets.read("admin")
    cluster = Cluster(hosts, port=port, connect_timeout=5, control_connection_timeout=5, protocol_version=5,
                      auth_provider=PlainTextAuthProvider(admin["CASSANDRA_USERNAME"], admin["CASSANDRA_PASSWORD"]))
    try:
        cluster.connect()
        hs = cluster.metadata.all_hosts()
        ks = {k: v.replication_strategy.export_for_schema() for k, v in cluster.metadata.keyspaces.items()
              if not k.startswith("system")}
        return {"up": sorted(h.address for h in hs if h.is_up), "down": sorted(h.address for h in hs if not h.is_up),
                "keyspaces": ks}
    finally:
        cluster.shutdown()


def check(nodes: int) -> list[str]:
    problems = []
    try:
        k = kafka_state(os.environ["KAFKA_BOOTSTRAP_SERVERS"])
        print(f"kafka      {k['brokers']} brokers, {k['partitions']} partitions, "
              f"{len(k['under_replicated'])} under-replicated, {len(k['leaderless'])} without leader")
        if k["brokers"] < nodes:
            problems.append(f"Kafka: {k['brokers']} of {nodes} brokers registered")
        for t, p, r, i in k["under_replicated"][:5]:
            problems.append(f"Kafka: {t}[{p}] replicas {r} in sync {i}")
        if k["leaderless"]:
            problems.append(f"Kafka: {len(k['leaderless'])} partitions without a leader")
    except Exception as exc:
        problems.append(f"Kafka does not answer: {exc}")
    try:
        hosts = [h for h in os.environ.get("CASSANDRA_HOSTS", "127.0.0.1").split(",") if h]
        c = cassandra_state(hosts, int(os.environ["CASSANDRA_PORT"]))
        print(f"cassandra  up {','.join(c['up'])}; down {','.join(c['down']) or '-'}")
        for name, repl in sorted(c["keyspaces"].items()):
            print(f"cassandra  keyspace {name}: {repl}")
        if len(c["up"]) < nodes:
            problems.append(f"Cassandra: {len(c['up'])} of {nodes} nodes up ({', '.join(c['down'])} down)")
    except Exception as exc:
        problems.append(f"Cassandra does not answer: {exc}")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--wait", type=float, default=0, help="retry for up to this many seconds")
    args = ap.parse_args()
    nodes = int(os.environ.get("NODES", "3"))
    deadline = time.monotonic() + args.wait
    while True:
        problems = check(nodes)
        if not problems or time.monotonic() > deadline:
            break
        time.sleep(3)
    for p in problems:
        print(f"cluster: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
