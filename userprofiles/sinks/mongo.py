"""MongoDB analytics, counted once per distinct profile even when batches are replayed.

Two steps per micro-batch, both idempotent:
1. Claims (executors): each profile of the batch is inserted into `profile_claims` as
   `{_id: uuid, q: query id, b: batch id, nat, gender, age_group, domain, age}`. A duplicate-key error
   means the profile was claimed before: by an earlier batch (it is not new, so it adds nothing) or by
   this same batch in an attempt that crashed (same q and b: it is new, and its stored fields are used).
2. Counters (driver): the batch's new profiles, summed per key, are added with one update per key,
   guarded by the batch: the filter requires `g.<query>` < batch id and the update sets it to the batch id.
   A replayed batch finds the guard already set; its upsert then collides with the existing `_id`
   (duplicate key), which is the sign that this key was already counted.
   One update per key, not one unordered bulk: FerretDB stops an unordered bulk update at its first
   duplicate-key error (the keys after it would be skipped) and omits `nModified` from that reply, which
   pymongo's bulk API does not survive (KeyError). A batch touches a few dozen keys, so this costs little.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Mapping, Sequence

from .. import analytics
from .retry import with_retry

log = logging.getLogger(__name__)
CLAIMS = "profile_claims"
DUPLICATE_KEY = 11000


@dataclass(frozen=True)
class MongoConf:
    uri: str
    db: str
    retry_seconds: float = 120.0
    timeout_ms: int = 10000

    @classmethod
    def from_args(cls, args) -> "MongoConf":
        return cls(args.mongo_uri, args.mongo_db, args.sink_retry_seconds, int(args.preflight_timeout * 1000))


_clients: dict = {}


def database(conf: MongoConf):
    if conf.uri not in _clients:
        from pymongo import MongoClient

        _clients[conf.uri] = MongoClient(conf.uri, serverSelectionTimeoutMS=conf.timeout_ms,
                                         connectTimeoutMS=conf.timeout_ms, retryWrites=True)
    return _clients[conf.uri][conf.db]


def _transient():
    from pymongo.errors import AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError
    return (AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError)


_FIX = "start the MongoDB server (make up) or fix --mongo-uri, then rerun: the batch is replayed from the checkpoint"


def claim(conf: MongoConf, profiles: Sequence[Mapping], query: str, batch: int) -> list[dict]:
    """Claim these profiles for (query, batch); return the claims that belong to this batch (new profiles)."""
    if not profiles:
        return []
    from pymongo.errors import BulkWriteError

    docs = [{"_id": p["identifiant"], "q": query, "b": batch, **analytics.claim_fields(p)} for p in profiles]

    def attempt() -> list[dict]:
        coll = database(conf)[CLAIMS]
        try:
            coll.insert_many(docs, ordered=False)
            return docs
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            other = [e for e in errors if e.get("code") != DUPLICATE_KEY]
            if other:
                raise RuntimeError(f"MongoDB refused claims: {other[0].get('errmsg')}") from exc
            dup_ids = {docs[e["index"]]["_id"] for e in errors}
            new = [d for d in docs if d["_id"] not in dup_ids]
            # Claimed by a crashed attempt of this same batch: still this batch's to count.
            new += list(coll.find({"_id": {"$in": list(dup_ids)}, "q": query, "b": batch}))
            return new

    return with_retry(f"claiming {len(docs)} profiles in MongoDB {conf.db}", attempt, _transient(),
                      conf.retry_seconds, _FIX)


def guard_field(query: str) -> str:
    return "g." + query.replace("-", "")


def apply_totals(conf: MongoConf, totals: analytics.Totals, query: str, batch: int) -> int:
    """Add the batch's counters, at most once per (query, batch, key); returns how many keys changed."""
    if not totals:
        return 0
    from pymongo.errors import DuplicateKeyError

    g = guard_field(query)
    ops = [(coll, {"_id": key, "$or": [{g: {"$exists": False}}, {g: {"$lt": batch}}]},
            {"$inc": analytics.increments(coll, value), "$set": {g: batch}})
           for (coll, key), value in sorted(totals.items())]

    def attempt() -> int:
        db = database(conf)
        changed = 0
        for coll, flt, update in ops:
            try:
                db[coll].update_one(flt, update, upsert=True)
                changed += 1
            except DuplicateKeyError:
                pass  # the guard holds this batch (or a later one): this key was counted already
        return changed

    return with_retry(f"updating analytics in MongoDB {conf.db}", attempt, _transient(), conf.retry_seconds, _FIX)


def ping(conf: MongoConf) -> None:
    """Claims and counters are looked up by _id only, so no index is needed; this just proves the server
    answers, so that a wrong URI fails at start-up rather than in the first batch."""
    database(conf).command("ping")


def read_analytics(conf: MongoConf) -> dict[str, dict[str, dict]]:
    db = database(conf)
    out = {}
    for coll in analytics.COLLECTIONS:
        out[coll] = {d["_id"]: {k: v for k, v in d.items() if k in ("count", "age_sum")} for d in db[coll].find()}
    return out
