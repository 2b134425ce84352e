"""Bad input on the real stack: a generated corpus of malformed messages mixed into valid synthetic traffic,
in the same micro-batches. Every malformed message must reach the dead-letter topic exactly once with its
reason and source offset and without any personal value, every valid adult must be stored exactly (4-byte
text at the length limit in every field included), the analytics must equal the aggregates of the table,
and the stream must finish with exit 0."""
import datetime as dt
import json
import random
import subprocess
import sys

from tests.support.clients import consume_all, kafka_producer
from tests.support.processes import child_env, spark_submit
from userprofiles.producer import synthetic

from ..reference import age, expected_analytics, expected_row, utc_day
from .malformed import ANY, corpus, secret_shapes
from .test_clean_exit import noise

N_VALID = 400


def produce_recording_offsets(topic: str, messages: list[tuple[bytes | None, bytes | None]]
                              ) -> tuple[list[tuple[int, int]], list[int]]:
    """Send (key, value) messages in order; return each one's (partition, offset), and its Kafka timestamp."""
    p = kafka_producer(**{"enable.idempotence": True, "acks": "all", "linger.ms": 20, "message.max.bytes": 1_000_000})
    where: list = [None] * len(messages)
    stamps: list = [None] * len(messages)
    errors = []

    def on_delivery(i):
        def cb(err, msg):
            if err:
                errors.append((i, err))
            else:
                where[i] = (msg.partition(), msg.offset())
                stamps[i] = msg.timestamp()[1]
        return cb

    for i, (key, value) in enumerate(messages):
        while True:
            try:
                p.produce(topic, value=value, key=key, on_delivery=on_delivery(i))
                break
            except BufferError:
                p.poll(0.1)
        p.poll(0)
    assert p.flush(120) == 0 and not errors, errors[:3]
    return where, stamps


def test_malformed_messages_are_dead_lettered_and_valid_ones_stored(sandbox, tmp_path):
    now = dt.datetime.now(dt.UTC)
    rng = random.Random(20261128)
    bad = corpus(seed=4, now=now)
    shapes = secret_shapes(now=now)
    bad += [(label, value, reason) for label, value, reason, _ in shapes]
    assert len(bad) >= 250
    users = synthetic.generate_users(N_VALID, seed=99, now=now, minor_share=0.1)
    # 4-byte UTF-8 text at the length limit in every text field, in 60 users (many of them in one task).
    wide = "\U0001F600\U00020BB7\U0001D11E"
    for u in users[:60]:
        for path in ("name.title", "name.first", "name.last", "gender", "login.username", "nat",
                     "location.city", "location.state", "location.country", "location.street.name"):
            d = u
            *parents, leaf = path.split(".")
            for k in parents:
                d = d[k]
            d[leaf] = (wide * 400)[:1000]
        u["email"] = "x@" + (wide * 400)[:998]

    # Valid users keyed by uuid; malformed ones without a key or with a random one; all shuffled together.
    items = [("valid", u["login"]["uuid"].encode(), json.dumps(u, ensure_ascii=False).encode(), u) for u in users]
    items += [("bad", rng.choice([None, rng.randbytes(16)]), value, (label, expected))
              for label, value, expected in bad]
    rng.shuffle(items)
    where, stamps = produce_recording_offsets(sandbox.topic, [(k, v) for _, k, v, _ in items])
    # Each valid user's age is the one on the day its message was stamped (the run may straddle midnight).
    today = {u["login"]["uuid"].lower(): utc_day(ts)
             for (kind, _, _, u), ts in zip(items, stamps, strict=True) if kind == "valid"}

    run = spark_submit(sandbox.consumer_args(tmp_path, "--available-now", "--max-offsets-per-trigger", "150"))
    assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]

    # Dead letters: one per malformed message (a replayed batch may repeat one: the key tells), with the
    # reason it deserves and the source position.
    letters = {}
    for m in consume_all(sandbox.dlq, len(bad), timeout=60):
        letter = json.loads(m.value())
        assert m.key().decode() == f'{sandbox.topic}:{letter["source_partition"]}:{letter["source_offset"]}'
        letters[(letter["source_partition"], letter["source_offset"])] = letter
    expected_dead = {where[i]: meta for i, (kind, _, _, meta) in enumerate(items) if kind == "bad"}
    keys = [m.key() for m in consume_all(sandbox.dlq, len(bad), timeout=5)]
    assert len(keys) == len(set(keys)) == len(bad), "a message has no dead letter, or more than one"
    missing = [expected_dead[p][0] for p in set(expected_dead) - set(letters)]
    assert not missing, f"{len(missing)} malformed messages have no dead letter: {missing[:10]}"
    assert set(letters) == set(expected_dead), "a valid record was dead-lettered"
    wrong = []
    for pos, (label, expected) in expected_dead.items():
        letter = letters[pos]
        assert letter["source_topic"] == sandbox.topic and letter["reason"], letter
        ok = (expected is ANY or letter["reason"] == expected
              or (isinstance(expected, frozenset) and letter["reason"] in expected))
        if not ok:
            wrong.append((label, letter["reason"], expected))
    assert not wrong, wrong[:10]
    # No personal value in any dead letter, in any encoding (the redaction works on the parsed message).
    everything = b"\n".join(m.value() + b"".join(v for _, v in (m.headers() or []))
                            for m in consume_all(sandbox.dlq, len(bad), timeout=5)).decode()
    for label, _, _, secrets in shapes:
        for secret in secrets:
            for form in (secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1],
                         json.dumps(json.dumps(secret))[1:-1]):
                assert form not in everything, (label, secret)

    # Every valid adult is stored with its exact row; minors are filtered, not dead-lettered.
    adults = {u["login"]["uuid"].lower(): u for u in users if age(u, today) > 13}
    assert 0 < len(adults) < N_VALID
    rows = {k: {c: v for c, v in r.items()} for k, r in sandbox.rows().items()}
    assert set(rows) == set(adults)
    for uid, u in adults.items():
        want = expected_row(u, today)
        got = dict(rows[uid], identifiant=str(rows[uid]["identifiant"]))
        assert got == want, uid
    assert sandbox.analytics() == expected_analytics(users, today)
    # The stores agree: reconcile recomputes the analytics from the table and finds no difference.
    rec = subprocess.run([sys.executable, "-m", "userprofiles.observe.reconcile", "--keyspace", sandbox.keyspace,
                          "--mongo-db", sandbox.mongo_db], capture_output=True, text=True, env=child_env("admin"))
    assert rec.returncode == 0 and "0 analytics keys differ" in rec.stdout, rec.stdout + rec.stderr

    out = run.stdout + run.stderr
    totals = out.split("totals: ", 1)[1].splitlines()[0]
    assert f"read={len(items)}" in totals and f"dead={len(bad)}" in totals, totals
    assert noise(out) == [], "\n".join(noise(out)[:20])
