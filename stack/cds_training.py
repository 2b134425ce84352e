"""Makes the consumer driver's class-data-sharing archive (stack/cds.sh build ARCHIVE): one short consumer run,
through stack/spark-submit.sh with CDS_DUMP, over a few hundred synthetic users on a scratch topic, keyspace
and database, which are dropped afterwards. The JVM writes the classes it loaded into the archive as it exits.
Exit 0 with the archive in place, else 1 with one line saying why (the consumer then starts without one)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from userprofiles.config import addresses
from userprofiles.producer import synthetic

ROOT = Path(__file__).resolve().parents[1]
USERS = 300


def _bootstrap() -> str:
    return os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or addresses.kafka_bootstrap()


def _send(topic: str, dlq: str) -> None:
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": _bootstrap()})
    for f in admin.create_topics([NewTopic(topic, 3, 1), NewTopic(dlq, 1, 1)]).values():
        f.result(60)
    p = Producer({"bootstrap.servers": _bootstrap()})
    for u in synthetic.generate_users(USERS, seed=1, minor_share=0.05):
        p.produce(topic, json.dumps(u).encode(), key=u["login"]["uuid"].encode())
    p.produce(topic, b"not JSON")  # the dead-letter path's classes too
    if p.flush(60):
        raise RuntimeError("Kafka did not take the training messages in 60 s")


def _drop(name: str, topics: list[str]) -> None:
    from cassandra.cluster import Cluster
    from confluent_kafka.admin import AdminClient
    from pymongo import MongoClient

    hosts = (os.environ.get("CASSANDRA_HOSTS") or "127.0.0.1").split(",")
    try:
        with Cluster(hosts, port=int(os.environ.get("CASSANDRA_PORT") or addresses.cassandra_port())) as c:
            c.connect().execute(f"DROP KEYSPACE IF EXISTS {name}", timeout=120)
    finally:
        try:
            MongoClient(os.environ.get("MONGO_URI") or addresses.mongo_uri()).drop_database(name)
        finally:
            admin = AdminClient({"bootstrap.servers": _bootstrap()})  # kept: its futures need it alive
            for f in admin.delete_topics(topics).values():
                f.result(60)


def main(archive: Path) -> int:
    name = "cds_training_" + uuid.uuid4().hex[:8]
    topic, dlq = name, name + "_dlq"
    partial = archive.with_name(archive.name + f".{os.getpid()}.tmp")
    archive.parent.mkdir(parents=True, exist_ok=True)
    try:
        try:
            _send(topic, dlq)
            with tempfile.TemporaryDirectory() as tmp:
                run = subprocess.run(
                    ["bash", str(ROOT / "stack" / "spark-submit.sh"), str(ROOT / "consumer_spark.py"),
                     "--topic", topic, "--dlq-topic", dlq, "--keyspace", name, "--mongo-db", name,
                     "--checkpoint", str(Path(tmp) / "checkpoint"), "--query-name", name,
                     "--starting-offsets", "earliest", "--available-now"],
                    env={**os.environ, "CDS_DUMP": str(partial)}, capture_output=True, text=True, cwd=ROOT)
        finally:
            _drop(name, [topic, dlq])
        if run.returncode != 0 or not partial.is_file():
            last = (run.stdout + run.stderr).strip().splitlines()[-1:] or ["no output"]
            raise RuntimeError(f"the training consumer run ended with exit {run.returncode}: {last[0][:300]}")
    except Exception as e:  # noqa: BLE001 - any failure means no archive, said in one line
        partial.unlink(missing_ok=True)
        print(f"cds_training: error: {type(e).__name__}: {e}".splitlines()[0], file=sys.stderr)
        return 1
    partial.replace(archive)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
