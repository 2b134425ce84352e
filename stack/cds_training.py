"""Makes the consumer driver's class-data-sharing archive (stack/cds.sh build ARCHIVE): one short consumer run,
through stack/spark-submit.sh with CDS_DUMP, over a few hundred synthetic users on a scratch topic, keyspace
and database, which are dropped afterwards. The admin makes them and grants the roles their rights on them
(as make up does for the pipeline's own names); the consumer runs as the consumer role. The JVM writes the
classes it loaded into the archive as it exits. Exit 0 with the archive in place, else 1 with one line saying
why (the consumer then starts without one)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from userprofiles.access import provision, roles, secrets
from userprofiles.config.options import consumer_parser, consumer_settings
from userprofiles.config.settings import ConsumerSettings
from userprofiles.producer import synthetic

ROOT = Path(__file__).resolve().parents[1]
USERS = 300


def _send(cfg: ConsumerSettings) -> None:
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient

    from userprofiles.sinks import cassandra_connection, cassandra_schema

    admin = AdminClient(cfg.kafka.client_config())
    provision.create_topics(admin, {cfg.kafka.topic: 3, cfg.kafka.dlq_topic: 1}, 1, 1, {})
    provision.grant_kafka(admin, cfg.kafka.topic, cfg.kafka.dlq_topic, cfg.stream.query_name)
    session = cassandra_connection.connect(cfg.cassandra)
    try:
        cassandra_schema.ensure_schema(session, cfg.cassandra)
        for stmt in roles.cassandra_grants(cfg.cassandra.keyspace):
            session.execute(stmt, timeout=60)
    finally:
        session.cluster.shutdown()
    p = Producer(cfg.kafka.client_config())
    for u in synthetic.generate_users(USERS, seed=1, minor_share=0.05):
        p.produce(cfg.kafka.topic, json.dumps(u).encode(), key=u["login"]["uuid"].encode())
    p.produce(cfg.kafka.topic, b"not JSON")  # the dead-letter path's classes too
    if p.flush(60):
        raise RuntimeError("Kafka did not take the training messages in 60 s")


def _drop(cfg: ConsumerSettings) -> None:
    from confluent_kafka.admin import AdminClient

    from userprofiles.sinks import cassandra_connection, connections, mongo

    try:
        session = cassandra_connection.connect(cfg.cassandra)
        try:
            session.execute(f"DROP KEYSPACE IF EXISTS {cfg.cassandra.keyspace}", timeout=120)
        finally:
            session.cluster.shutdown()
    finally:
        try:
            mongo.database(cfg.mongo).client.drop_database(cfg.mongo.db)
            connections.close_all()
        finally:
            admin = AdminClient(cfg.kafka.client_config())  # kept: its futures need it alive
            for f in admin.delete_topics([cfg.kafka.topic, cfg.kafka.dlq_topic]).values():
                f.result(60)
            provision.revoke_kafka(admin, cfg.kafka.topic, cfg.kafka.dlq_topic, cfg.stream.query_name)


def main(archive: Path) -> int:
    name = "cds_training_" + uuid.uuid4().hex[:8]
    partial = archive.with_name(archive.name + f".{os.getpid()}.tmp")
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        # The consumer's own arguments; its settings (addresses, credentials) reach the set-up and clean-up too.
        args = ["--topic", name, "--dlq-topic", name + "_dlq", "--keyspace", name, "--mongo-db", name,
                "--checkpoint", str(Path(tmp) / "checkpoint"), "--query-name", name,
                "--starting-offsets", "earliest", "--available-now"]
        # The set-up and clean-up as the admin; the run as the consumer.
        environ = {k: v for k, v in os.environ.items() if k not in secrets.CREDENTIAL_VARIABLES}
        cfg = consumer_settings(consumer_parser({**environ, **secrets.read("admin")}).parse_args(args))
        try:
            try:
                _send(cfg)
                run = subprocess.run(["bash", str(ROOT / "stack" / "spark-submit.sh"), str(ROOT / "consumer_spark.py"),
                                      *args], env={**environ, **secrets.read("consumer"), "CDS_DUMP": str(partial)},
                                     capture_output=True, text=True, cwd=ROOT)
            finally:
                _drop(cfg)
            if run.returncode != 0 or not partial.is_file():
                # The last line that is not the JDK's note on its incubator modules (printed at every start).
                last = [line for line in (run.stdout + "\n" + run.stderr).splitlines()
                        if line.strip() and "incubator modules" not in line][-1:] or ["no output"]
                raise RuntimeError(f"the training consumer run ended with exit {run.returncode}: {last[0][:300]}")
        except Exception as e:  # noqa: BLE001 - any failure means no archive, said in one line
            partial.unlink(missing_ok=True)
            print(f"cds_training: error: {type(e).__name__}: {e}".splitlines()[0], file=sys.stderr)
            return 1
    partial.replace(archive)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
