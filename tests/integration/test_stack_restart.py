"""`make down && make up` keeps the data; `make clean` removes it. Restarts the whole local stack."""
import subprocess
import uuid

import pytest

from tests.support.clients import close_clients, kafka_producer, mongo_client, topic_messages
from tests.support.paths import ROOT

pytestmark = pytest.mark.alone


def make(target: str) -> str:
    res = subprocess.run(["make", "-s", target], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, f"make {target} failed:\n{res.stdout}\n{res.stderr}"
    return res.stdout + res.stderr


def _write_markers(tag: str) -> None:
    from tests.support.clients import cassandra_session

    p = kafka_producer()
    p.produce("users_profiles_dlq", value=tag.encode(), key=b"restart-test")
    assert p.flush(30) == 0
    cassandra_session().execute(
        "INSERT INTO usersprofilespace.users_profiles (identifiant, full_name) VALUES (%s, %s)",
        (uuid.UUID(tag), "restart test"))
    mongo_client()["it_restart"]["markers"].insert_one({"_id": tag})


def _markers_present(tag: str) -> dict:
    from tests.support.clients import cassandra_session

    row = cassandra_session().execute(
        "SELECT full_name FROM usersprofilespace.users_profiles WHERE identifiant = %s", (uuid.UUID(tag),)).one()
    return {"kafka": any(m.value() == tag.encode() for m in topic_messages("users_profiles_dlq", timeout=60)),
            "cassandra": row is not None,
            "mongo": mongo_client()["it_restart"]["markers"].find_one({"_id": tag}) is not None}


def test_down_up_keeps_the_data_and_clean_removes_it():
    tag = str(uuid.uuid4())
    _write_markers(tag)
    try:
        close_clients()
        assert "stopped" in make("down")
        out = make("up")
        assert all(s in out for s in ("kafka", "cassandra", "ferretdb"))
        assert _markers_present(tag) == {"kafka": True, "cassandra": True, "mongo": True}

        close_clients()
        make("clean")
        make("up")
        assert _markers_present(tag) == {"kafka": False, "cassandra": False, "mongo": False}
    finally:
        close_clients()
        make("up")
        mongo_client()["it_restart"].drop_collection("markers")
        from tests.support.clients import cassandra_session
        cassandra_session().execute("DELETE FROM usersprofilespace.users_profiles WHERE identifiant = %s",
                                    (uuid.UUID(tag),))
