"""Fault injection on the real stack (make chaos). Each scenario has its own topic, keyspace and database,
feeds synthetic users through producer.py (file source) and consumer_spark.py (spark-submit), injects a
fault, lets the pipeline recover, and checks that every expected row is stored exactly once and that the
MongoDB analytics equal the ones recomputed from the input. Each prints one row of the table.

Environment: CHAOS_SEED (4) fixes the users and the kill points; CHAOS_USERS (5000) the input size;
CHAOS_DOWN_SECONDS (30) how long a service stays stopped; CHAOS_FEED_SECONDS (100) the producer's pace in a
service outage (the input over that time) and CHAOS_FEED_TAIL_SECONDS (10) how long it keeps it once the
service is back (then the input goes again at full speed). The scenarios run side by side on pytest-xdist's
workers (make chaos: two), except a Cassandra or a Kafka outage, which has the stack alone, first; the
FerretDB outage stops a FerretDB of its own.
"""
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from tests.support.addresses import free_port
from tests.support.chaos import (
    DOWN_S,
    FEED_S,
    FEED_TAIL_S,
    N_USERS,
    SEED,
    Row,
    assert_exact,
    finish,
    make_input,
    observe,
    settle,
)
from tests.support.clients import records_in
from tests.support.processes import Consumer, Feed, Producer, child_env, keep_running
from tests.support.stack import service, service_running


def _stored(sandbox) -> str:
    try:
        return f"{observe(sandbox).row_count:,}"
    except Exception:
        return "?"


def test_consumer_sigkilled_three_times_mid_stream(sandbox, tmp_path, restore_services):
    """SIGKILL of the consumer's whole process group (JVM, Python driver, Python workers) at 3 random
    points of the stream, each time restarted from the same checkpoint."""
    rng = random.Random(SEED)
    inp = make_input(tmp_path, N_USERS, SEED)
    prod = Producer(sandbox, tmp_path, inp.path, "--messages-per-iteration", "1000").start()
    assert prod.wait(600) == 0, prod.output()[-2000:]

    cons = Consumer(sandbox, tmp_path, "--max-offsets-per-trigger", "250", "--trigger-seconds", "0.5")
    kills, first_batch = [], []
    done = restarted = None
    try:
        cons.start()
        for _ in range(3):
            assert cons.wait_batches(1, 300), cons.output()[-3000:].decode("utf-8", "replace")
            first_batch.append(time.monotonic() - cons.started_at)
            time.sleep(rng.uniform(0.0, 4.0))
            batches = cons.batches()
            stored = _stored(sandbox)
            cons.kill()
            kills.append(f"after batch {batches[-1]} ({stored} rows)")
            cons.start()
        restarted = time.monotonic()
        if cons.wait_batches(1, 300):
            first_batch.append(time.monotonic() - cons.started_at)
        done, obs = settle(sandbox, inp, sandbox.checkpoint(tmp_path))
    finally:
        cons.stop()
    row = finish(Row("consumer SIGKILL x3, restart from checkpoint",
                     recovery_s=(done - restarted) if done else None,
                     notes="killed " + "; ".join(kills) + "; start to first batch "
                           + "/".join(f"{s:.0f}" for s in first_batch) + " s"), sandbox, inp, obs)
    assert_exact(row, sandbox, inp)


def test_producer_killed_mid_send_then_rerun(sandbox, tmp_path, restore_services):
    """SIGKILL of producer.py while it sends the file, then a rerun over the same file: the records it had
    sent arrive twice."""
    rng = random.Random(SEED + 1)
    inp = make_input(tmp_path, N_USERS, SEED + 1)
    cons = Consumer(sandbox, tmp_path, "--max-offsets-per-trigger", "1000", "--trigger-seconds", "1")
    done = rerun = None
    try:
        cons.start()
        first = Producer(sandbox, tmp_path, inp.path, "--rate", str(N_USERS / 15), "--messages-per-iteration", "100",
                         n=1).start()
        time.sleep(rng.uniform(3.0, 9.0))
        assert first.running(), "the producer finished before it could be killed; lower its --rate"
        first.kill()
        sent_before = records_in(sandbox.topic)
        rerun = time.monotonic()
        second = Producer(sandbox, tmp_path, inp.path, "--messages-per-iteration", "1000", n=2).start()
        assert second.wait(600) == 0, second.output()[-2000:]
        done, obs = settle(sandbox, inp, sandbox.checkpoint(tmp_path), keep_running(cons, []))
    finally:
        cons.stop()
    row = finish(Row("producer SIGKILL mid-send, rerun over the same file",
                     recovery_s=(done - rerun) if done else None,
                     notes=f"{sent_before:,} messages in before the kill, all sent again"), sandbox, inp, obs)
    assert row.records_in > len(inp.users) + inp.garbage, "nothing arrived twice"
    assert_exact(row, sandbox, inp)


def test_profiles_changed_across_batches_with_consumer_sigkills(sandbox, tmp_path, restore_services):
    """A third of the users come back changed (nationality, gender, e-mail domain; some with an upper-case
    uuid, so keyed into another partition; one in ten now 13 or younger) while the consumer runs, and the
    consumer is SIGKILLed twice in between; then older copies of some of them arrive (Kafka timestamps an hour
    back). Both stores must end with the latest copy of every profile: the old keys down, the new up, exactly
    once, the rows of users now too young gone, and `reconcile` must find no difference between the analytics
    and the table."""
    import datetime as dt
    import json
    import subprocess

    from tests.support.clients import kafka_producer

    rng = random.Random(SEED + 7)
    inp = make_input(tmp_path, N_USERS // 2, SEED + 7)
    changed = []
    young = (dt.datetime.now(dt.UTC) - dt.timedelta(days=365 * 10)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    for u in rng.sample(inp.users, len(inp.users) // 3):
        c = json.loads(json.dumps(u))
        c["nat"] = rng.choice(["FR", "GB", "NO", "BR", "IN"])
        c["gender"] = "female" if c["gender"] == "male" else "male"
        c["email"] = c["email"].split("@")[0] + "@changed.example"
        if rng.random() < 0.3:
            c["login"]["uuid"] = c["login"]["uuid"].upper()
        if rng.random() < 0.1:
            c["dob"]["date"] = young
        changed.append(c)
    second = tmp_path / "changed.jsonl"
    second.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in changed) + "\n", encoding="utf-8")
    final = replace(inp, users=inp.users + changed)  # the reference keeps the last copy of a uuid

    cons = Consumer(sandbox, tmp_path, "--max-offsets-per-trigger", "250", "--trigger-seconds", "0.5")
    kills = []
    done = restarted = None
    try:
        cons.start()
        first = Producer(sandbox, tmp_path, inp.path, "--messages-per-iteration", "1000", n=1).start()
        assert first.wait(600) == 0, first.output()[-2000:]
        assert cons.wait_batches(len(cons.batches()) + 2, 300), cons.output()[-3000:].decode("utf-8", "replace")
        kills.append(f"after batch {cons.batches()[-1]}")
        cons.kill()
        cons.start()
        again = Producer(sandbox, tmp_path, second, "--messages-per-iteration", "200", "--rate", "400", n=2).start()
        assert cons.wait_batches(len(cons.batches()) + 1, 300), cons.output()[-3000:].decode("utf-8", "replace")
        time.sleep(rng.uniform(0.5, 3.0))
        kills.append(f"after batch {cons.batches()[-1]}, while the changed copies arrive")
        cons.kill()
        cons.start()
        restarted = time.monotonic()
        assert again.wait(600) == 0, again.output()[-2000:]
        # Older copies, arriving last: each must lose to the copy the stores already hold.
        stale = kafka_producer(**{"enable.idempotence": True, "acks": "all"})
        an_hour_ago = int(time.time() * 1000) - 3_600_000
        for c in rng.sample(changed, len(changed) // 4):
            old = json.loads(json.dumps(c))
            old["nat"], old["email"] = "ZZ", old["email"].split("@")[0] + "@stale.example"
            stale.produce(sandbox.topic, value=json.dumps(old).encode(), key=None, timestamp=an_hour_ago)
        assert stale.flush(60) == 0
        done, obs = settle(sandbox, final, sandbox.checkpoint(tmp_path), keep_running(cons, []))
    finally:
        cons.stop()
    row = finish(Row("profiles changed across batches, consumer SIGKILL x2",
                     recovery_s=(done - restarted) if done else None,
                     notes=f"{len(changed):,} profiles changed, {sum(c['dob']['date'] == young for c in changed)} "
                           f"now too young, {len(changed) // 4} older copies last; killed " + "; ".join(kills)),
                 sandbox, final, obs)
    assert_exact(row, sandbox, final)
    rec = subprocess.run([sys.executable, "-m", "userprofiles.observe.reconcile", "--keyspace", sandbox.keyspace,
                          "--mongo-db", sandbox.mongo_db], capture_output=True, text=True, env=child_env("admin"))
    assert rec.returncode == 0 and "0 analytics keys differ" in rec.stdout, rec.stdout + rec.stderr


@pytest.fixture
def own_ferretdb(request, tmp_path):
    """For the FerretDB outage: a FerretDB of the stack's build under a STACK_HOME and a port of its own
    (stack/ferretdb.sh, as make up starts it), which the scenario's consumer writes its analytics to. Stopping
    it faults no other scenario, so this outage need not have the stack alone. None for the other services."""
    if request.node.callspec.params.get("svc") != "ferretdb":
        yield None
        return
    env = {"STACK_HOME": str(tmp_path / "ferretdb-stack"), "MONGO_PORT": str(free_port())}
    service("ferretdb", "start", env=env)
    try:
        yield env
    finally:
        service("ferretdb", "stop", env=env)


# Cassandra and Kafka are the stack's own, and every scenario uses them: their outage has the stack alone.
@pytest.mark.parametrize("svc", [pytest.param("cassandra", marks=pytest.mark.stops_a_service), "ferretdb",
                                 pytest.param("kafka", marks=pytest.mark.stops_a_service)])
def test_service_stopped_while_the_pipeline_runs(svc, own_ferretdb, sandbox, tmp_path, restore_services):
    """The service is stopped (stack/<svc>.sh stop) for CHAOS_DOWN_SECONDS while the producer sends and the
    consumer runs, then started again. The consumer's sink retry (--sink-retry-seconds) rides out a sink
    outage, or it stops with a one-line error and is started again; a producer that could not deliver
    everything is rerun over the same file."""
    rng = random.Random(f"{SEED}-{svc}")
    if own_ferretdb:
        sandbox.mongo_uri = f"mongodb://127.0.0.1:{own_ferretdb['MONGO_PORT']}/"
        sandbox.mongo_home = Path(own_ferretdb["STACK_HOME"])   # its credentials, made at its start
    inp = make_input(tmp_path, N_USERS, SEED + 10 + ["cassandra", "ferretdb", "kafka"].index(svc))
    # The default --sink-retry-seconds (120): what a user gets.
    cons = Consumer(sandbox, tmp_path, "--max-offsets-per-trigger", "500", "--trigger-seconds", "1")
    events: list[str] = []
    feed = Feed(sandbox, tmp_path, inp.path)
    resumed_at = None
    done = back = None
    obs = None
    try:
        cons.start()
        # Paced over FEED_S: the producer is still sending when the service goes away and when it is back.
        feed.start("--rate", str(N_USERS / FEED_S), "--messages-per-iteration", "50")
        assert cons.wait_batches(1, 300), cons.output()[-3000:].decode("utf-8", "replace")
        time.sleep(rng.uniform(1.0, 5.0))
        stored = _stored(sandbox)
        stop_s = service(svc, "stop", env=own_ferretdb)
        time.sleep(DOWN_S)
        start_s = service(svc, "start", env=own_ferretdb)
        back = time.monotonic()
        feed.hurry_after(back + FEED_TAIL_S)
        which = f"{svc} (its own)" if own_ferretdb else svc
        events.append(f"{which} stopped at {stored} rows (stop {stop_s:.0f}s, down {DOWN_S:.0f}s, start {start_s:.0f}s)"
                      + ("" if feed.runs[0].running() else "; producer had finished"))
        keep_consumer = keep_running(cons, events)
        mark = (cons.starts, len(cons.batches()))

        def watch():
            nonlocal resumed_at
            keep_consumer()
            seen = len(cons.batches())
            if resumed_at is None and (seen > mark[1] if cons.starts == mark[0] else seen > 0):
                resumed_at = time.monotonic()  # a batch completed after the service came back
            feed.watch(events)
        done, obs = settle(sandbox, inp, sandbox.checkpoint(tmp_path), watch, feed)
    finally:
        cons.stop()
        feed.stop()
        if not own_ferretdb and not service_running(svc):
            service(svc, "start")
    consumer_exits = [e for e in events if e.startswith("consumer exit")]
    rode = "consumer rode it out" if not consumer_exits else f"consumer restarted {len(consumer_exits)}x"
    after = [f"first batch +{resumed_at - back:.0f}s" if resumed_at else "no batch seen",
             f"producer done +{feed.done_at - back:.0f}s" if feed.done_at else "producer not done"]
    row = finish(Row(f"{svc} stopped {DOWN_S:.0f}s while running",
                     recovery_s=(done - back) if done else None,
                     notes="; ".join([events[0], rode, "after restart: " + ", ".join(after)]
                                     + [e for e in events[1:] if not e.startswith("consumer exit")])),
                 sandbox, inp, obs)
    named = {"kafka": "Kafka", "cassandra": "Cassandra", "ferretdb": "MongoDB"}[svc]
    for e in consumer_exits:  # a consumer that gave up said why, naming the service, in one line
        assert ": consumer_spark.py: error: " in e and named in e.split("error:", 1)[1], e
    assert_exact(row, sandbox, inp)
