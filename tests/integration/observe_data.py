"""Known data for the tests of `make status` and the dashboard, written straight into a sandbox's stores:
profile rows in Cassandra, their analytics in MongoDB, the user records in Kafka with the consumer
group's commits and stream_progress documents of micro-batches with known commit times, and dead letters with
Kafka-Connect-style headers. What the consumer would write, without running Spark on a 2-core machine."""
from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

from tests import reference
from tests.support.addresses import SETTINGS
from tests.support.clients import cassandra_session, kafka_producer, mongo_client
from tests.support.paths import ROOT
from tests.support.sandbox import Sandbox
from userprofiles.producer import synthetic

DOMAINS = ["example.com", "mail.example.org", "post.example.net", "inbox.example.fr", "web.example.de"]
# One day for the rows' ages and their analytics alike, so that the two agree even across midnight UTC.
TODAY = dt.datetime.now(dt.UTC).date()


def records(n: int, seed: int) -> list[dict]:
    """Synthetic users older than 13, spread over a few e-mail domains (the generator uses one)."""
    out = []
    for i, r in enumerate(synthetic.generate_users(n * 2, seed=seed)):
        if reference.age(r, TODAY) > 13:
            r["email"] = r["email"].split("@")[0] + "@" + DOMAINS[(i * i + seed) % len(DOMAINS)]
            out.append(r)
    return out[:n]


def create_table(sb: Sandbox) -> None:
    text = (ROOT / "cassandra_schema.cql").read_text().replace("usersprofilespace", sb.keyspace)
    s = cassandra_session()
    for stmt in [x.strip() for x in "\n".join(ln for ln in text.splitlines() if not ln.startswith("--")).split(";")]:
        if stmt:
            s.execute(stmt, timeout=60)


def write_rows(sb: Sandbox, recs: list[dict]) -> None:
    import uuid

    rows = [reference.expected_row(r, TODAY) for r in recs]
    cols = list(rows[0])
    s = cassandra_session()
    stmt = s.prepare(f"INSERT INTO {sb.keyspace}.users_profiles ({', '.join(cols)}) "
                     f"VALUES ({', '.join('?' * len(cols))})")
    from cassandra.concurrent import execute_concurrent_with_args
    params = [tuple(uuid.UUID(v) if c == "identifiant" else v for c, v in row.items()) for row in rows]
    for ok, res in execute_concurrent_with_args(s, stmt, params, concurrency=32):
        assert ok, res


def add_analytics(sb: Sandbox, recs: list[dict]) -> None:
    """$inc the counters of these (new) users, as the consumer does."""
    db = mongo_client()[sb.mongo_db]
    for coll, docs in reference.expected_analytics(recs, TODAY).items():
        for key, doc in docs.items():
            db[coll].update_one({"_id": key}, {"$inc": doc}, upsert=True)


def analytics_counts(sb: Sandbox) -> dict[str, dict[str, int]]:
    db = mongo_client()[sb.mongo_db]
    return {c: {d["_id"]: d["count"] for d in db[c].find() if d.get("count", 0) > 0}
            for c in ("by_nationality", "by_gender", "by_age_group", "by_email_domain")}


def produce(topic: str, recs: list[dict], partitions: int, timestamp_ms=None, start: int = 0) -> None:
    """Record i goes to partition (start + i) % partitions, with the given Kafka timestamp (ms) or now."""
    p = kafka_producer(**{"linger.ms": 5})
    for i, r in enumerate(recs):
        kw = {"timestamp": int(timestamp_ms)} if timestamp_ms else {}
        p.produce(topic, json.dumps(r).encode(), key=r["login"]["uuid"].encode(), partition=(start + i) % partitions,
                  **kw)
    assert p.flush(30) == 0


def pipeline_history(sb: Sandbox, _checkpoint: Path | None, recs: list[dict], batches: int, per_batch: int,
                     every: float, latency_of) -> dict:
    """Put batches*per_batch records in the topic as `batches` committed batches, the last committed now,
    batch i's messages stamped latency_of(i) seconds before its commit, each batch's offsets committed to the
    sandbox's consumer group and its progress recorded in MongoDB as the consumer does. Returns the committed
    offsets. (_checkpoint: no longer written; nothing reads a checkpoint to watch the consumer.)"""
    now = time.time()
    ends = {p: 0 for p in range(sb.partitions)}
    for i in range(batches):
        chunk = recs[i * per_batch:(i + 1) * per_batch]
        committed_at = now - (batches - 1 - i) * every
        produce(sb.topic, chunk, sb.partitions, (committed_at - latency_of(i)) * 1000, start=i * per_batch)
        for j in range(len(chunk)):
            ends[(i * per_batch + j) % sb.partitions] += 1
        commit_group(sb, i, ends, committed_at, rows=len(chunk), latency_s=latency_of(i))
    return dict(ends)


def commit_group(sb: Sandbox, batch: int, offsets: dict[int, int], committed_at: float, rows: int = 0,
                 latency_s: float | None = None) -> None:
    """The batch's end offsets committed to the sandbox's consumer group, with the consumer's note (p50 the
    given latency, p95 1.5 times it), and its stream_progress document in MongoDB, as the consumer does."""
    from userprofiles.consumer.consumer_group import BatchNote, GroupCommitter
    from userprofiles.consumer.progress_record import ProgressRecorder

    group = GroupCommitter(SETTINGS.kafka, sb.group)
    recorder = ProgressRecorder(sb.mongo_settings(), sb.group)
    p50 = None if latency_s is None else latency_s * 1000
    p95 = None if latency_s is None else latency_s * 1500
    note = BatchNote(batch, int(committed_at * 1000), rows, p50, p95)
    try:
        assert group.commit({sb.topic: dict(offsets)}, note)
        assert recorder.record(note, {"profiles.written": rows, "deadletters.sent": 0}, 500)
    finally:
        group.close()
        recorder.close()


REASONS = ["not a JSON object", "missing login.uuid", "dob.date in the future"]


def dead_letters(sb: Sandbox, n: int, first_offset: int = 1000) -> list[dict]:
    """n dead letters: the consumer's JSON body and Kafka-Connect-style headers. Returns the bodies."""
    p = kafka_producer()
    bodies = []
    for i in range(n):
        reason = REASONS[i % len(REASONS)]
        off = first_offset + i
        body = {"reason": reason, "source_topic": sb.topic, "source_partition": i % sb.partitions,
                "source_offset": off, "source_timestamp": "2026-11-28T10:00:00.000Z", "payload_bytes": 100 + i,
                "payload_sha256": "0" * 64,
                "payload_redacted": None if i % len(REASONS) == 0 else '{"email":"***","nat":"FR"}'}
        headers = [("reason", reason.encode()), ("__connect.errors.topic", sb.topic.encode()),
                   ("__connect.errors.partition", str(i % sb.partitions).encode()),
                   ("__connect.errors.offset", str(off).encode())]
        p.produce(sb.dlq, json.dumps(body).encode(), key=f"{sb.topic}:{i % sb.partitions}:{off}".encode(),
                  headers=headers)
        bodies.append(body)
    assert p.flush(30) == 0
    return bodies

