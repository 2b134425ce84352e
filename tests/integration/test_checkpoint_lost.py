"""A checkpoint deleted on purpose while the stores keep their data: the new checkpoint's per-profile state is
seeded from the table when the analytics equal it, and the topic read again leaves both stores exact;
otherwise the consumer refuses to start, in one line naming `make reconcile ARGS=--repair`, and starts once it ran.
A row that Cassandra refuses for good stops the micro-batch: nothing of it is counted."""
import datetime as dt
import json
import random
import shutil
import subprocess
import sys

from tests.support.clients import cassandra_session, mongo_client
from tests.support.processes import child_env, spark_submit
from userprofiles.producer import synthetic

from ..reference import expected_analytics, expected_row


def _exact(sandbox, latest: list[dict]) -> None:
    today = sandbox.days()
    want = {w["identifiant"]: w for w in (expected_row(u, today) for u in latest) if w["age"] > 13}
    rows = {k: dict(r, identifiant=str(r["identifiant"])) for k, r in sandbox.rows().items()}
    assert rows == want
    assert sandbox.analytics() == expected_analytics(latest, today)


def _changed(users: list[dict], rng: random.Random) -> list[dict]:
    out = []
    for u in users:
        c = json.loads(json.dumps(u))
        c["nat"], c["gender"] = rng.choice(["FR", "NO", "IN"]), rng.choice(["female", "male"])
        out.append(c)
    return out


def _consume(sandbox, tmp_path, *extra) -> subprocess.CompletedProcess:
    return spark_submit(sandbox.consumer_args(tmp_path, "--available-now", *extra))


def _reconcile(sandbox, *extra) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "userprofiles.observe.reconcile", "--keyspace", sandbox.keyspace,
                           "--mongo-db", sandbox.mongo_db, *extra], capture_output=True, text=True,
                          env=child_env("admin"))


def test_a_deleted_checkpoint_is_seeded_from_the_table_and_the_replay_stays_exact(sandbox, tmp_path):
    rng = random.Random(31)
    now = dt.datetime.now(dt.UTC)
    users = synthetic.generate_users(300, seed=31, now=now, minor_share=0.1)
    changed = _changed(rng.sample(users, 80), rng)
    sandbox.produce([json.dumps(u) for u in users])
    assert _consume(sandbox, tmp_path).returncode == 0
    sandbox.produce([json.dumps(u) for u in changed])
    assert _consume(sandbox, tmp_path).returncode == 0
    _exact(sandbox, users + changed)
    today = sandbox.days()

    shutil.rmtree(sandbox.checkpoint(tmp_path))
    more = synthetic.generate_users(50, seed=32, now=now, minor_share=0.1)
    again = _changed(rng.sample(users, 30), rng)
    sandbox.produce([json.dumps(u) for u in more + again])
    run = _consume(sandbox, tmp_path)
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    rows_before = len({u["login"]["uuid"] for u in users + changed if expected_row(u, today)["age"] > 13})
    seeded = [ln for ln in (run.stdout + run.stderr).splitlines() if "state starts from" in ln]
    assert seeded and f"the per-profile state starts from the {rows_before} rows" in seeded[0], seeded
    # The whole topic was read again over the seeded state: each profile counted once, at its latest copy.
    _exact(sandbox, users + changed + more + again)
    assert _reconcile(sandbox).returncode == 0


def test_a_new_checkpoint_on_stores_that_disagree_is_refused_until_reconcile_repair(sandbox, tmp_path):
    now = dt.datetime.now(dt.UTC)
    users = synthetic.generate_users(120, seed=33, now=now, minor_share=0.0)
    sandbox.produce([json.dumps(u) for u in users])
    assert _consume(sandbox, tmp_path).returncode == 0
    # The stores part (a counter changed by hand, or a crash between the two stores followed by the loss of the
    # checkpoint): the state cannot be taken from the table as it is.
    mongo_client()[sandbox.mongo_db]["by_gender"].update_one({"_id": "male"}, {"$inc": {"count": 5}})
    shutil.rmtree(sandbox.checkpoint(tmp_path))

    run = _consume(sandbox, tmp_path)
    errors = [ln for ln in (run.stdout + run.stderr).splitlines() if "error:" in ln]
    assert run.returncode == 2 and len(errors) == 1, run.stdout + run.stderr
    assert "make reconcile ARGS=--repair" in errors[0] and "by_gender" in errors[0], errors[0]

    assert _reconcile(sandbox).returncode == 1
    assert _reconcile(sandbox, "--repair").returncode == 0
    run = _consume(sandbox, tmp_path)
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    _exact(sandbox, users)


def test_a_row_cassandra_refuses_stops_the_micro_batch_and_counts_nowhere(sandbox, tmp_path):
    now = dt.datetime.now(dt.UTC)
    users = synthetic.generate_users(80, seed=34, now=now, minor_share=0.0)
    sandbox.produce([json.dumps(u) for u in users[:40]])
    assert _consume(sandbox, tmp_path).returncode == 0
    before = sandbox.analytics()
    # The table refuses every row now (a column the rows have is gone).
    session = cassandra_session()
    session.execute(f"ALTER TABLE {sandbox.keyspace}.users_profiles DROP title", timeout=60)
    sandbox.produce([json.dumps(u) for u in users[40:]])
    run = _consume(sandbox, tmp_path)
    out = run.stdout + run.stderr
    errors = [ln for ln in out.splitlines() if "consumer_spark.py: error:" in ln]
    assert run.returncode == 1 and len(errors) == 1, out[-3000:]
    assert "Cassandra" in errors[0] and "users_profiles" in errors[0], errors[0]
    assert "\tat org.apache.spark" not in out and "Traceback" not in out, out[-3000:]  # the one line, no stacks
    # At DEBUG the same failure brings Spark's own reports back: the Java and Python stacks, then the line.
    debug = _consume(sandbox, tmp_path, "--log-level", "DEBUG")
    out = debug.stdout + debug.stderr
    assert debug.returncode == 1 and out.count("consumer_spark.py: error:") == 1, out[-3000:]
    assert "\tat org.apache.spark" in out and "Traceback" in out and "Undefined column name title" in out
    assert sandbox.analytics() == before  # nothing of the refused micro-batches was counted
    session.execute(f"ALTER TABLE {sandbox.keyspace}.users_profiles ADD title text", timeout=60)
    # The micro-batch is replayed once the table takes the rows again (the first rows lost their titles with
    # the column: the others are compared whole).
    assert _consume(sandbox, tmp_path).returncode == 0
    rows, today = sandbox.rows(), sandbox.days()
    assert set(rows) == {u["login"]["uuid"].lower() for u in users}
    for u in users[40:]:
        want = expected_row(u, today)
        assert dict(rows[want["identifiant"]], identifiant=want["identifiant"]) == want
    assert sandbox.analytics() == expected_analytics(users, today)
