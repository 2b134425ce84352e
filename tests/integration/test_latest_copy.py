"""The latest copy of a profile wins in every order of arrival, through Kafka and the real stores.

Copies carry explicit Kafka timestamps (the version is timestamp, partition, offset), so an older copy can be
sent after a newer one, in the same micro-batch or a later one; copies of one user are keyed differently
(the uuid upper-cased, or no key), so they land in other partitions; some latest copies are 13 or younger
(the row must go, and no older copy may bring it back). After each consumer run the table holds exactly the
latest copy of each profile that counts, and the analytics equal what those rows count.
"""
import datetime as dt
import json
import random
import subprocess
import sys

from tests.support.clients import kafka_producer
from tests.support.processes import child_env, spark_submit
from userprofiles.producer import synthetic

from ..reference import age, expected_analytics, expected_row, utc_day

N_USERS = 120


def _send(topic: str, copies: list[tuple[int, dict]], rng: random.Random) -> None:
    """(timestamp_ms, record) in the given order, each keyed by its uuid, its upper-cased uuid, or nothing."""
    p = kafka_producer(**{"enable.idempotence": True, "acks": "all"})
    for ts, rec in copies:
        key = rng.choice([rec["login"]["uuid"].encode(), rec["login"]["uuid"].upper().encode(), None])
        p.produce(topic, value=json.dumps(rec).encode(), key=key, timestamp=ts)
    assert p.flush(60) == 0


def _variant(u: dict, rng: random.Random, now: dt.datetime, minor: bool) -> dict:
    c = json.loads(json.dumps(u))
    c["nat"] = rng.choice(["FR", "GB", "NO", "BR"])
    c["gender"] = rng.choice(["female", "male"])
    c["email"] = c["email"].split("@")[0] + rng.choice(["@a.example", "@b.example"])
    if minor:  # born 10 years before now: 13 or younger
        c["dob"]["date"] = (now - dt.timedelta(days=365 * 10)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return c


def _expected(latest: dict[str, dict], today: dict[str, dt.date]):
    rows = {i: expected_row(u, today) for i, u in latest.items() if age(u, today) > 13}
    return rows, expected_analytics([u for u in latest.values()], today)


def test_the_latest_copy_wins_in_every_order_of_arrival(sandbox, tmp_path):
    rng = random.Random(18)
    now = dt.datetime.now(dt.UTC)
    users = synthetic.generate_users(N_USERS, seed=18, now=now, minor_share=0.0)
    t0 = int(now.timestamp() * 1000) - 3_600_000  # the copies' timestamps: an hour ago, a few seconds apart
    # Three copies of each user at times t0+1..3 s (a random one of them 13 or younger); the batches of
    # sending take them in scrambled order, the newest often first.
    copies = {}
    for u in users:
        ident = u["login"]["uuid"].lower()
        minor_at = rng.choice([None, None, 1, 2, 3])
        copies[ident] = [(t0 + k * 1000 + rng.randrange(1000), _variant(u, rng, now, minor=k == minor_at))
                         for k in (1, 2, 3)]
    phases = [[], [], []]
    for cs in copies.values():
        order = rng.sample(cs, 3)
        for i, c in enumerate(order):
            # Phase 0 gets a copy of everyone; the rest are spread, some two in the same phase.
            phases[0 if i == 0 else rng.choice([1, 2])].append(c)
    seen: dict[str, tuple[int, dict]] = {}
    for n, phase in enumerate(phases):
        rng.shuffle(phase)
        _send(sandbox.topic, phase, rng)
        run = spark_submit(sandbox.consumer_args(tmp_path, "--available-now", "--max-offsets-per-trigger", "90"))
        assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
        for ts, rec in phase:
            ident = rec["login"]["uuid"].lower()
            if ident not in seen or ts > seen[ident][0]:
                seen[ident] = (ts, rec)
        # Each profile's age is the one on its latest copy's day (an hour ago may be yesterday).
        today = {i: utc_day(ts) for i, (ts, _) in seen.items()}
        want_rows, want_analytics = _expected({i: rec for i, (_, rec) in seen.items()}, today)
        rows = {k: dict(r, identifiant=str(r["identifiant"])) for k, r in sandbox.rows().items()}
        assert set(rows) == set(want_rows), f"after phase {n}"
        assert rows == want_rows, f"after phase {n}"
        assert sandbox.analytics() == want_analytics, f"after phase {n}"
    assert any(age(rec, today) <= 13 for _, rec in seen.values()), "no latest copy was a minor"
    rec = subprocess.run([sys.executable, "-m", "userprofiles.observe.reconcile", "--keyspace", sandbox.keyspace,
                          "--mongo-db", sandbox.mongo_db], capture_output=True, text=True, env=child_env("admin"))
    assert rec.returncode == 0 and "0 analytics keys differ" in rec.stdout, rec.stdout + rec.stderr
