"""The executor side of a micro-batch: one task's records -> Cassandra rows, claims, dead letters, deltas.

Each task holds every copy of its profiles (the micro-batch is hash-partitioned by identifiant). It keeps the
latest copy of each profile, decides with the profile's claim whether that copy is newer than the stored
one (sinks/mongo.py), writes the claim then the row, and sends a dead letter for each message that is not a
row and each row a sink refused for good. What it returns is summed on the driver.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import NamedTuple

from . import analytics
from .redaction import letter
from .schema import PROFILE_COLUMNS
from .settings import CassandraSettings, MongoSettings
from .sinks import cassandra, deadletter, mongo

LATENCY_SAMPLE = 200  # rows per task whose end-to-end latency is reported


class SinkRecord(NamedTuple):
    """One record as the streaming plan hands it to a task (transform.SINK_COLUMNS, in that order)."""
    status: str            # valid | filtered (13 or younger) | dead (to the dead-letter topic)
    reason: str | None     # why a dead record cannot become a row
    identifiant: str
    title: str
    full_name: str
    gender: str
    username: str
    domain_name: str
    email: str
    phone: str
    full_address: str
    age: int
    inscription: str
    nationality: str
    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    value: bytes | None    # the message itself, for a dead record only

    def profile(self) -> tuple:
        """The table's columns, in PROFILE_COLUMNS order."""
        return self[2:2 + len(PROFILE_COLUMNS)]

    def version(self) -> tuple:
        """The order of copies of one profile: Kafka timestamp, then partition, then offset. Defined across
        partitions, so that copies keyed differently (or not keyed) are ordered too."""
        return (self.timestamp_ms, self.partition, self.offset)


@dataclass
class TaskResult:
    """What one task did. `counts` is by status (valid, filtered, dead); `refused` counts rows a sink refused
    (dead-lettered); `stale` counts profiles whose stored copy is newer than the micro-batch's."""
    counts: dict = field(default_factory=lambda: {"valid": 0, "filtered": 0, "dead": 0})
    written: int = 0
    deleted: int = 0
    stale: int = 0
    refused: int = 0
    deltas: analytics.Totals = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    latencies_ms: list = field(default_factory=list)  # write time - Kafka timestamp, a sample of rows

    @staticmethod
    def total(parts: list[TaskResult]) -> TaskResult:
        out = TaskResult()
        for p in parts:
            for k, v in p.counts.items():
                out.counts[k] += v
            out.written += p.written
            out.deleted += p.deleted
            out.stale += p.stale
            out.refused += p.refused
            for k, v in p.seconds.items():
                out.seconds[k] = out.seconds.get(k, 0.0) + v
            out.latencies_ms += p.latencies_ms
        out.deltas = analytics.merge(p.deltas for p in parts)
        return out


def latest_copies(rows) -> tuple[dict, list[SinkRecord], dict[str, SinkRecord]]:
    """(counts by status, dead records, {identifiant: latest valid-or-filtered record}) of a task's rows."""
    counts = {"valid": 0, "filtered": 0, "dead": 0}
    dead, latest = [], {}
    for r in map(SinkRecord._make, rows):
        counts[r.status] += 1
        if r.status == "dead":
            dead.append(r)
            continue
        cur = latest.get(r.identifiant)
        if cur is None or r.version() > cur.version():
            latest[r.identifiant] = r
    return counts, dead, latest


def _candidate(r: SinkRecord) -> mongo.Candidate:
    attrs = analytics.claim_fields(r._asdict()) if r.status == "valid" else None
    return mongo.Candidate(r.identifiant, r.version(), attrs)


def _letter(r: SinkRecord, reason: str, sink: str | None = None):
    return letter(reason, topic=r.topic, partition=r.partition, offset=r.offset, timestamp_ms=r.timestamp_ms,
                  payload=None if sink else r.value, sink=sink)


def process(rows, *, cass: CassandraSettings, mongo_settings: MongoSettings, dlq: deadletter.DeadLetterConf,
            query_id: str, batch_id: int) -> TaskResult:
    """Write one task's records. Raises SinkUnavailable when a sink stays unreachable past its budget."""
    t0 = time.monotonic()
    res = TaskResult()
    res.counts, dead, latest = latest_copies(rows)
    t_input = time.monotonic()  # the records arrive as they are read: this is the Kafka read and the transform
    letters = [_letter(r, r.reason) for r in dead]
    candidates = [_candidate(r) for r in latest.values()]
    # Profiles that count are claimed as new first; those that already have a claim (and the 13 or younger,
    # who are never claimed as new) are planned against their stored claim.
    made, refused_new, existing = mongo.insert_new_claims(
        mongo_settings, [c for c in candidates if c.attrs is not None], query_id, batch_id)
    rest = existing + [c for c in candidates if c.attrs is None]
    stored_claims = mongo.load_claims(mongo_settings, [c.identifiant for c in rest])
    planned = mongo.plan_claims(rest, stored_claims, query_id, batch_id)
    refused: dict[str, tuple[str, str]] = {i: (why, "mongodb") for i, why in refused_new.items()}
    for c in planned:
        if c.action in ("new", "newer"):
            why = mongo.encodable(c, query_id, batch_id)
            if why:
                refused[c.candidate.identifiant] = (why, "mongodb")
    to_claim = [c for c in planned if c.candidate.identifiant not in refused]
    for ident, why in mongo.write_claims(mongo_settings, to_claim, query_id, batch_id).items():
        refused[ident] = (why, "mongodb")
    claims = made + planned
    res.stale = sum(c.action == "stale" for c in claims)
    applied = [c for c in claims
               if c.action in ("new", "newer", "replay") and c.candidate.identifiant not in refused]
    t1 = time.monotonic()
    upserts = [c for c in applied if c.attrs is not None]
    written = cassandra.write_rows(cass, [latest[c.candidate.identifiant].profile() for c in upserts])
    mongo.restore_claims(mongo_settings, [upserts[i] for i in written.refused])  # a refused row counts nowhere
    for i, why in written.refused.items():
        refused[upserts[i].candidate.identifiant] = (why, "cassandra")
    res.written = written.written
    done_ms = time.time() * 1000
    stored = [c for i, c in enumerate(upserts) if i not in written.refused]
    res.latencies_ms = [done_ms - latest[c.candidate.identifiant].timestamp_ms
                        for c in stored[:LATENCY_SAMPLE]]
    res.deleted = cassandra.delete_rows(cass, [c.candidate.identifiant for c in applied if c.attrs is None])
    t2 = time.monotonic()
    res.deltas = analytics.merge(analytics.delta(c.attrs, c.prev_attrs) for c in applied
                                 if c.candidate.identifiant not in refused)
    letters += [_letter(latest[ident], why, sink) for ident, (why, sink) in refused.items()]
    res.refused = len(refused)
    deadletter.send(dlq, letters)
    res.seconds = {"input": t_input - t0, "claims": t1 - t_input, "cassandra": t2 - t1,
                   "letters": time.monotonic() - t2}
    return res
