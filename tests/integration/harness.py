"""Helpers of the integration tests: a private topic/keyspace/database per test, real clients only."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
CASSANDRA_PORT = int(os.environ.get("CASSANDRA_PORT", "9042"))
# make up NODES=3 (stack/cluster.sh env): every node's address, and topics replicated like the stack's.
CASSANDRA_HOSTS = [h for h in os.environ.get("CASSANDRA_HOSTS", "127.0.0.1").split(",") if h]
TOPIC_RF = int(os.environ.get("KAFKA_REPLICATION_FACTOR", "1"))
TOPIC_MIN_ISR = int(os.environ.get("KAFKA_MIN_ISR", "1"))
MONGO_URI = os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017/")


def env_for_children() -> dict:
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}:{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    return env


@dataclass
class Sandbox:
    """Names private to one test, so tests never see each other's data."""
    name: str = field(default_factory=lambda: "it_" + uuid.uuid4().hex[:10])
    partitions: int = 3

    @property
    def topic(self) -> str: return self.name

    @property
    def dlq(self) -> str: return self.name + "_dlq"

    @property
    def keyspace(self) -> str: return self.name

    @property
    def mongo_db(self) -> str: return self.name

    def checkpoint(self, tmp: Path) -> Path: return tmp / f"{self.name}-checkpoint"

    def consumer_args(self, tmp: Path, *extra: str) -> list[str]:
        return ["--topic", self.topic, "--dlq-topic", self.dlq, "--keyspace", self.keyspace,
                "--mongo-db", self.mongo_db, "--checkpoint", str(self.checkpoint(tmp)),
                "--starting-offsets", "earliest", *extra]

    # --- Kafka ---
    def create_topics(self) -> None:
        from confluent_kafka.admin import AdminClient, NewTopic

        admin = AdminClient({"bootstrap.servers": BOOTSTRAP})
        conf = {"min.insync.replicas": str(TOPIC_MIN_ISR)} if TOPIC_MIN_ISR > 1 else {}
        futures = admin.create_topics([NewTopic(self.topic, self.partitions, TOPIC_RF, config=conf),
                                       NewTopic(self.dlq, 1, TOPIC_RF, config=conf)])
        for f in futures.values():
            f.result(30)

    def drop(self) -> None:
        from confluent_kafka.admin import AdminClient

        AdminClient({"bootstrap.servers": BOOTSTRAP}).delete_topics([self.topic, self.dlq])
        try:
            cassandra_session().execute(f"DROP KEYSPACE IF EXISTS {self.keyspace}", timeout=60)
        except Exception:
            pass
        mongo_client().drop_database(self.mongo_db)

    def produce(self, values, keys=None) -> None:
        """Raw messages (bytes/str/None), keyed as given (None = no key)."""
        from confluent_kafka import Producer

        p = Producer({"bootstrap.servers": BOOTSTRAP, "enable.idempotence": True, "acks": "all",
                      "linger.ms": 20})
        failures = []
        for i, v in enumerate(values):
            k = keys[i] if keys else None
            p.produce(self.topic, value=v.encode() if isinstance(v, str) else v, key=k,
                      on_delivery=lambda err, _m: failures.append(err) if err else None)
            p.poll(0)
        assert p.flush(60) == 0 and not failures, failures

    def dead_letters(self, expected: int, timeout: float = 30) -> list[dict]:
        return [json.loads(m.value()) for m in consume_all(self.dlq, expected, timeout)]

    # --- Cassandra / MongoDB ---
    def rows(self) -> dict[str, dict]:
        rs = cassandra_session().execute(f"SELECT * FROM {self.keyspace}.users_profiles", timeout=120)
        return {str(r.identifiant): r._asdict() for r in rs}

    def writetimes(self) -> dict[str, int]:
        rs = cassandra_session().execute(
            f"SELECT identifiant, WRITETIME(full_name) AS wt FROM {self.keyspace}.users_profiles", timeout=120)
        return {str(r.identifiant): r.wt for r in rs}

    def analytics(self) -> dict:
        from userprofiles.sinks.mongo import MongoConf, read_analytics

        return read_analytics(MongoConf(MONGO_URI, self.mongo_db))


_session = None
_mongo = None


def cassandra_session():
    global _session
    if _session is None:
        from cassandra.cluster import Cluster
        from cassandra.policies import DCAwareRoundRobinPolicy

        cluster = Cluster(CASSANDRA_HOSTS, port=CASSANDRA_PORT, protocol_version=5,
                          load_balancing_policy=DCAwareRoundRobinPolicy())
        _session = cluster.connect()
    return _session


def close_clients() -> None:
    global _session, _mongo
    if _session is not None:
        _session.cluster.shutdown()
        _session = None
    if _mongo is not None:
        _mongo.close()
        _mongo = None


def mongo_client():
    global _mongo
    if _mongo is None:
        from pymongo import MongoClient

        _mongo = MongoClient(MONGO_URI, serverSelectionTimeoutMS=10000)
    return _mongo


def consume_all(topic: str, expected: int, timeout: float = 30):
    """Every message of a topic from the start, waiting up to `timeout` for `expected` of them."""
    from confluent_kafka import Consumer

    c = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": "it-" + uuid.uuid4().hex,
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.subscribe([topic])
    out, deadline = [], time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                if len(out) >= expected:
                    break
                continue
            if m.error():
                continue
            out.append(m)
    finally:
        c.close()
    return out


def spark_submit(args: list[str], timeout: float = 600, **kw) -> subprocess.CompletedProcess:
    cmd = [str(VENV_BIN / "spark-submit"), str(ROOT / "consumer_spark.py"), *args]
    return subprocess.run(cmd, cwd=ROOT, env=env_for_children(), capture_output=True, text=True,
                          timeout=timeout, **kw)


def start_consumer(args: list[str], log_path: Path) -> subprocess.Popen:
    cmd = [str(VENV_BIN / "spark-submit"), str(ROOT / "consumer_spark.py"), *args]
    log = open(log_path, "ab")
    return subprocess.Popen(cmd, cwd=ROOT, env=env_for_children(), stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def run_producer(args: list[str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "producer.py"), *args], cwd=ROOT, env=env_for_children(),
                          capture_output=True, text=True, timeout=timeout)


from ..reference import expected_analytics  # noqa: E402,F401  (re-exported for the scenario tests)
