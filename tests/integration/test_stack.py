"""The local stack of `make up`, used with the real clients (confluent-kafka, cassandra-driver, pymongo)."""
import re
from pathlib import Path

import yaml

from tests.support.clients import cassandra_session, consume_all, kafka_admin, kafka_producer, mongo_client
from tests.support.paths import ROOT
from tests.support.stack import stack_pids
from userprofiles.config.addresses import default_ports

SCHEMA_COLUMNS = {"identifiant", "title", "full_name", "gender", "username", "domain_name", "email", "phone",
                  "full_address", "age", "inscription", "nationality"}


def test_kafka_lists_the_pipeline_topics_and_round_trips_a_message(sandbox):
    topics = kafka_admin().list_topics(timeout=10).topics
    assert "users_profiles" in topics and "users_profiles_dlq" in topics
    assert len(topics["users_profiles"].partitions) > 1
    p = kafka_producer()
    p.produce(sandbox.topic, b"ping", key=b"k")
    assert p.flush(30) == 0
    assert [m.value() for m in consume_all(sandbox.topic, 1)] == [b"ping"]


def test_cassandra_answers_and_has_the_brief_table():
    s = cassandra_session()
    assert s.execute("SELECT release_version FROM system.local").one()[0].startswith("5.0")
    cols = {r.column_name: r.type for r in s.execute(
        "SELECT column_name, type FROM system_schema.columns "
        "WHERE keyspace_name='usersprofilespace' AND table_name='users_profiles'")}
    assert set(cols) == SCHEMA_COLUMNS
    assert cols["identifiant"] == "uuid" and cols["age"] == "int"


def test_mongodb_wire_server_answers_ping_and_round_trips():
    client = mongo_client()
    assert client.admin.command("ping")["ok"] == 1.0
    coll = client["it_stack_probe"]["probe"]
    coll.delete_many({})
    coll.insert_one({"_id": "x", "n": 1})
    assert coll.find_one({"_id": "x"})["n"] == 1
    client.drop_database("it_stack_probe")


def test_services_listen_on_loopback_only():
    """Every listening socket of the stack's processes is bound to 127.0.0.1 (no wildcard address)."""
    pids = list(stack_pids().values())
    assert len(pids) >= 3
    inodes = set()
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                link = fd.readlink().as_posix()
            except OSError:
                continue
            m = re.match(r"socket:\[(\d+)\]", link)
            if m:
                inodes.add(m.group(1))
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            f = line.split()
            if f[3] == "0A" and f[9] in inodes:  # LISTEN
                listening.append(f[1].split(":")[0])
    assert listening, "no listening socket found for the stack's processes"
    assert set(listening) <= {"0100007F", "0000000000000000FFFF00000100007F"}, listening


def test_docker_compose_parses_and_names_the_same_ports():
    doc = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = doc["services"]
    published = {name: {str(p).rsplit(":", 2)[-2] for p in svc.get("ports", [])} for name, svc in services.items()}
    local = {name: str(port) for name, port in default_ports().items()}   # stack/ports.env
    assert published["kafka"] == {local["KAFKA_PORT"]}
    assert published["cassandra"] == {local["CASSANDRA_PORT"]}
    assert published["mongo"] == {local["MONGO_PORT"]}
    for name, svc in services.items():
        assert ":" in svc["image"] and not svc["image"].endswith(":latest"), f"{name} image is not pinned"
        if svc.get("ports"):
            assert "healthcheck" in svc, f"{name} has no health check"
            assert all(str(p).startswith("127.0.0.1:") for p in svc["ports"]), f"{name} is published beyond loopback"
    assert set(doc.get("volumes", {})) >= {"kafka-data", "cassandra-data", "mongo-data"}
