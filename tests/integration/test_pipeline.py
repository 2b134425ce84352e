"""End to end on the real stack: producer.py -> Kafka -> consumer_spark.py (spark-submit) -> Cassandra,
MongoDB and the dead-letter topic. Each test has its own topic, keyspace and database."""
import datetime as dt
import json
import random

import pytest

from tests.support.processes import run_producer, spark_submit
from userprofiles.producer import synthetic

from ..reference import expected_analytics, expected_row

N_USERS = 600
N_DUPLICATES = 60
MALFORMED = [
    b"not json",
    b"",
    b"\xff\xfe\xfd",
    b'{"login": {"uuid": "0b3e5f3c-0000-4000-8000-000000000000"}, "email": "x@y.z", "dob": {"date": "someday"}}',
    b'{"login": {"uuid": 42}}',
    b'{"login": {"uuid": "bad-uuid"}, "email": "a@b.c", "dob": {"date": "1990-01-01T00:00:00.000Z"}}',
    b'[{"gender": "male"}]',
    b'{"login": {"uuid": "0b3e5f3c-0000-4000-8000-000000000001"}, "dob": {"date": "1990-01-01T00:00:00.000Z"}}',
]


@pytest.fixture(scope="module")
def users():
    now = dt.datetime.now(dt.UTC)
    return synthetic.generate_users(N_USERS, seed=20261127, now=now, minor_share=0.1)


def test_end_to_end_rows_analytics_and_dead_letters(sandbox, users, tmp_path):
    # Valid users through producer.py (file source), some of them twice; malformed messages beside them.
    dupes = random.Random(7).sample(users, N_DUPLICATES)
    src = tmp_path / "users.jsonl"
    src.write_text("\n".join(json.dumps(u, ensure_ascii=False) for u in users + dupes) + "\n", encoding="utf-8")
    res = run_producer(["--source", f"file:{src}", "--topic", sandbox.topic, "--messages-per-iteration", "500"])
    assert res.returncode == 0, res.stderr
    assert f"delivered={N_USERS + N_DUPLICATES}" in res.stderr
    sandbox.produce(MALFORMED)

    run = spark_submit(sandbox.consumer_args(tmp_path, "--available-now"))
    assert run.returncode == 0, run.stderr[-3000:]

    today = sandbox.days()
    rows = sandbox.rows()
    expected = {w["identifiant"]: w for w in (expected_row(u, today) for u in users) if w["age"] > 13}
    assert 0 < len(expected) < N_USERS  # the generator made some minors, and they were filtered
    assert set(rows) == set(expected)
    for uid, want in expected.items():
        got = dict(rows[uid], identifiant=str(rows[uid]["identifiant"]))
        assert got == want

    assert sandbox.analytics() == expected_analytics(users, today)

    letters = sandbox.dead_letters(len(MALFORMED))
    assert len(letters) == len(MALFORMED)
    sources = [(lt["source_partition"], lt["source_offset"]) for lt in letters]
    assert len(set(sources)) == len(MALFORMED)  # one letter per malformed message
    assert all(lt["reason"] and lt["source_topic"] == sandbox.topic for lt in letters)
    out = run.stdout + run.stderr  # spark-submit merges the driver's stderr into its stdout
    assert "batch 0: read=" in out
    totals = out.split("totals: ", 1)[1].splitlines()[0]
    assert f"read={N_USERS + N_DUPLICATES + len(MALFORMED)}" in totals
    assert f"dead={len(MALFORMED)}" in totals


def test_a_second_run_and_redelivered_records_change_nothing(sandbox, users, tmp_path):
    """Records sent again (a producer rerun) and a consumer rerun: rows stay, analytics count each user once."""
    first = users[:200]
    sandbox.produce([json.dumps(u) for u in first], keys=[u["login"]["uuid"].encode() for u in first])
    assert spark_submit(sandbox.consumer_args(tmp_path, "--available-now")).returncode == 0
    before_rows, before = sandbox.rows(), sandbox.analytics()
    assert before == expected_analytics(first, sandbox.days())

    # The same 200 again plus 100 new, in a later batch; then a rerun with nothing new.
    again = first + users[200:300]
    sandbox.produce([json.dumps(u) for u in again], keys=[u["login"]["uuid"].encode() for u in again])
    assert spark_submit(sandbox.consumer_args(tmp_path, "--available-now")).returncode == 0
    run = spark_submit(sandbox.consumer_args(tmp_path, "--available-now"))
    assert run.returncode == 0
    assert set(before_rows) <= set(sandbox.rows())
    assert sandbox.analytics() == expected_analytics(users[:300], sandbox.days())
