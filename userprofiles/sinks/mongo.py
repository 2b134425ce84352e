"""MongoDB analytics that always equal the same aggregates over the Cassandra table, even when micro-batches are
replayed and profiles come back changed.

`profile_claims` holds one document per profile: the version of the copy that the table holds (Kafka
timestamp, partition, offset: "latest" is the greatest, across partitions), what it counts for (`attrs`:
nationality, gender, age group, domain, age; null for a profile whose latest copy is 13 or younger), the
(`query_id`, `batch_id`) of the micro-batch that wrote it, and `prev`, the document it replaced.

Per micro-batch, on the executors (see executor.py): each profile's latest copy in the micro-batch is
compared with its claim. New or newer: the claim is written first, then the Cassandra row, and the
profile's counter delta is `attrs - prev.attrs`. Older or equal: nothing is written (the table holds a
later copy). A claim already written by this same (query_id, batch_id) is a crashed attempt of this micro-batch: its
delta is taken from the stored claim, so a replay counts exactly what the first attempt would have. A row
that Cassandra refuses has its claim put back, so it counts nowhere.

On the driver, the micro-batch's deltas are added with one update per key, guarded by the micro-batch: the
filter requires `last_batch.<query_id>` < batch_id and the update sets it to batch_id. A replayed micro-batch
finds the guard already set; its upsert then collides with the existing `_id` (duplicate key), which is the sign
that this key was already counted. One update per key, not one unordered bulk: FerretDB stops an
unordered bulk update at its first duplicate-key error and omits `nModified` from that reply, which
pymongo's bulk API does not survive (KeyError). A counter that falls to 0 keeps its document (its guard
must outlive it); readers treat count 0 as absent.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .. import analytics
from ..settings import MongoSettings
from .retry import with_retry

log = logging.getLogger(__name__)
CLAIMS = "profile_claims"
DUPLICATE_KEY = 11000


_clients: dict = {}


def database(settings: MongoSettings):
    if settings.uri not in _clients:
        from pymongo import MongoClient

        ms = int(settings.connect_timeout * 1000)
        # socketTimeoutMS: a server that stops answering fails the request (a transient error, retried
        # within the budget) instead of holding the task for ever.
        _clients[settings.uri] = MongoClient(settings.uri, serverSelectionTimeoutMS=ms,
                                         connectTimeoutMS=ms, socketTimeoutMS=60_000, retryWrites=True)
    return _clients[settings.uri][settings.db]


# Operations per bulk write (a chunk): FerretDB v1.24 never answers a bulk update of 100 statements or more
# (bench/RESULTS.md, "FerretDB limits"), so claims go in chunks well under that.
BULK_CHUNK = 50
LOOKUP_THREADS = 4  # concurrent single-document reads of the claims (see load_claims)


def _transient():
    from pymongo.errors import AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError
    return (AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError)


_FIX = ("start the MongoDB server (make up) or fix --mongo-uri, then rerun: the micro-batch is replayed from the "
        "checkpoint")


Version = tuple  # (Kafka timestamp ms, partition, offset) of a copy


@dataclass(frozen=True)
class Candidate:
    """A profile's latest copy in this micro-batch: its version, and what it counts for (None: not counted)."""
    identifiant: str
    version: Version
    attrs: dict | None


@dataclass
class Claim:
    """What this micro-batch does with one profile. `delta` is the profile's counter change once applied."""
    candidate: Candidate
    # "new" | "newer" | "replay" (a crashed attempt of this micro-batch wrote it) | "stale" (the stored copy is as
    # new or newer) | "none" (a minor never counted: nothing to do)
    action: str
    previous: dict | None  # the claim document it replaces (new: None)
    attrs: dict | None  # what the stored row counts for after this micro-batch
    prev_attrs: dict | None


def _version(doc: Mapping) -> Version:
    return tuple(doc["version"])


def plan_claims(candidates: Sequence[Candidate], current: Mapping[str, dict], query_id: str,
                batch_id: int) -> list[Claim]:
    """Decide, for each profile, from its stored claim (pure: unit-tested without a server)."""
    out = []
    for c in candidates:
        doc = current.get(c.identifiant)
        if doc is not None and doc.get("query_id") == query_id and doc.get("batch_id") == batch_id:
            prev = doc.get("prev")
            out.append(Claim(c, "replay", prev, doc.get("attrs"), prev.get("attrs") if prev else None))
        elif doc is None:
            out.append(Claim(c, "new" if c.attrs is not None else "none", None, c.attrs, None))
        elif c.version > _version(doc):
            out.append(Claim(c, "newer", doc, c.attrs, doc.get("attrs")))
        else:
            out.append(Claim(c, "stale", doc, doc.get("attrs"), doc.get("attrs")))
    return out


def _claim_doc(c: Claim, query_id: str, batch_id: int) -> dict:
    prev = None if c.previous is None else {k: v for k, v in c.previous.items() if k not in ("_id", "prev")}
    return {"_id": c.candidate.identifiant, "query_id": query_id, "batch_id": batch_id,
            "version": list(c.candidate.version), "attrs": c.attrs, "prev": prev}


def encodable(c: Claim, query_id: str, batch_id: int) -> str | None:
    """None when MongoDB can store this claim (and so its counter keys), else why not."""
    import bson

    try:
        bson.encode(_claim_doc(c, query_id, batch_id))
    except Exception as exc:  # bson.errors.InvalidDocument/InvalidStringData, UnicodeEncodeError ...
        return f"MongoDB cannot encode the profile: {type(exc).__name__}: {str(exc)[:200]}"
    return None


def _encode_errors():
    from bson.errors import BSONError
    return (BSONError, UnicodeError, OverflowError, ValueError, TypeError)


def insert_new_claims(settings: MongoSettings, candidates: Sequence[Candidate], query_id: str,
                      batch_id: int) -> tuple[list[Claim], dict[str, str], list[Candidate]]:
    """Claim each profile as new with an insert, BULK_CHUNK per request: in a stream of mostly new profiles
    most need no lookup (a lookup is one request per profile on FerretDB). Returns the claims made, the
    profiles MongoDB refused for good ({identifiant: reason}), and the candidates that already have a claim,
    to be planned against it (plan_claims). A retried attempt finds its own inserts there, as replays."""
    from pymongo import InsertOne
    from pymongo.errors import BulkWriteError

    made: list[Claim] = []
    refused: dict[str, str] = {}
    existing: list[Candidate] = []

    def attempt():
        made.clear(), refused.clear(), existing.clear()
        coll = database(settings)[CLAIMS]
        for start in range(0, len(candidates), BULK_CHUNK):
            chunk = [Claim(c, "new", None, c.attrs, None) for c in candidates[start:start + BULK_CHUNK]]
            try:
                try:
                    coll.bulk_write([InsertOne(_claim_doc(c, query_id, batch_id)) for c in chunk], ordered=False)
                except _encode_errors():  # nothing of the chunk was sent: find the document(s), send the rest
                    whys = {c.candidate.identifiant: encodable(c, query_id, batch_id) for c in chunk}
                    refused.update({i: why for i, why in whys.items() if why})
                    chunk = [c for c in chunk if not whys[c.candidate.identifiant]]
                    if chunk:
                        coll.bulk_write([InsertOne(_claim_doc(c, query_id, batch_id)) for c in chunk], ordered=False)
            except BulkWriteError as exc:
                errors = {e["index"]: e for e in exc.details.get("writeErrors", [])}
                for i, c in enumerate(chunk):
                    e = errors.get(i)
                    if e is None:
                        made.append(c)
                    elif e.get("code") == DUPLICATE_KEY:
                        existing.append(c.candidate)
                    else:
                        refused[c.candidate.identifiant] = f"MongoDB refused the profile: {str(e.get('errmsg'))[:300]}"
                continue
            made.extend(chunk)
        return made, refused, existing

    if not candidates:
        return [], {}, []
    return with_retry(f"writing {len(candidates)} claims in MongoDB {settings.db}", attempt, _transient(),
                      settings.retry_seconds, _FIX)


def load_claims(settings: MongoSettings, identifiants: Sequence[str]) -> dict[str, dict]:
    if not identifiants:
        return {}

    # One find per _id, a few at a time: FerretDB v1.24 pushes only an `_id` equality down to SQLite and
    # answers `{"_id": {"$in": [...]}}` by scanning the whole collection, so each micro-batch got slower as
    # the profiles accumulated (bench/RESULTS.md, "FerretDB limits").
    def attempt():
        coll = database(settings)[CLAIMS]
        with ThreadPoolExecutor(LOOKUP_THREADS) as pool:
            docs = pool.map(lambda ident: coll.find_one({"_id": ident}), identifiants)
            return {d["_id"]: d for d in docs if d is not None}
    return with_retry(f"reading {len(identifiants)} claims in MongoDB {settings.db}", attempt, _transient(),
                      settings.retry_seconds, _FIX)


def write_claims(settings: MongoSettings, claims: Sequence[Claim], query_id: str, batch_id: int) -> dict[str, str]:
    """Store the new and newer claims; returns {identifiant: reason} of those MongoDB refused for good."""
    from pymongo import InsertOne, ReplaceOne
    from pymongo.errors import BulkWriteError

    todo = [c for c in claims if c.action in ("new", "newer")]
    if not todo:
        return {}
    # New claims are inserted (an upsert costs FerretDB far more than an insert); a newer one replaces the
    # claim by _id alone: FerretDB pushes only an _id filter down to SQLite, and any other field makes it scan
    # the collection once per statement (bench/RESULTS.md, "FerretDB limits").
    ops = [InsertOne(_claim_doc(c, query_id, batch_id)) if c.previous is None else
           ReplaceOne({"_id": c.candidate.identifiant}, _claim_doc(c, query_id, batch_id)) for c in todo]

    def attempt() -> dict[str, str]:
        refused = {}
        coll = database(settings)[CLAIMS]
        for start in range(0, len(ops), BULK_CHUNK):
            try:
                coll.bulk_write(ops[start:start + BULK_CHUNK], ordered=False)
            except BulkWriteError as exc:
                for e in exc.details.get("writeErrors", []):
                    c = todo[start + e["index"]]
                    ident = c.candidate.identifiant
                    if e.get("code") == DUPLICATE_KEY:
                        existing = coll.find_one({"_id": ident}) or {}
                        if existing.get("query_id") == query_id and existing.get("batch_id") == batch_id:
                            continue  # this attempt's own insert, retried by the driver after a lost reply
                        raise RuntimeError(f"the claim of {ident} changed under this micro-batch: another consumer "
                                           f"writes to MongoDB database {settings.db}; give each consumer its own "
                                           f"--mongo-db") from exc
                    refused[ident] = f"MongoDB refused the profile: {str(e.get('errmsg'))[:300]}"
        return refused

    return with_retry(f"writing {len(ops)} claims in MongoDB {settings.db}", attempt, _transient(),
                      settings.retry_seconds, _FIX)


def restore_claims(settings: MongoSettings, claims: Sequence[Claim]) -> None:
    """Put back what these claims replaced (a row Cassandra refused must count nowhere)."""
    if not claims:
        return

    def attempt() -> None:
        _restore(database(settings)[CLAIMS], claims)
    with_retry(f"restoring {len(claims)} claims in MongoDB {settings.db}", attempt, _transient(),
               settings.retry_seconds, _FIX)


def _restore(coll, claims: Sequence[Claim]) -> None:
    for c in claims:
        if c.previous is None:
            coll.delete_one({"_id": c.candidate.identifiant})
        else:
            coll.replace_one({"_id": c.candidate.identifiant}, {**c.previous, "_id": c.candidate.identifiant})


def last_batch_field(query_id: str) -> str:
    """The counter's field holding the last micro-batch of QUERY_ID that added to it (the replay guard)."""
    return "last_batch." + query_id.replace("-", "")


def apply_totals(settings: MongoSettings, totals: analytics.Totals, query_id: str, batch_id: int) -> int:
    """Add the micro-batch's counters, at most once per (query_id, batch_id, key); returns how many keys changed."""
    if not totals:
        return 0
    from pymongo.errors import DuplicateKeyError

    g = last_batch_field(query_id)
    ops = [(coll, {"_id": key, "$or": [{g: {"$exists": False}}, {g: {"$lt": batch_id}}]},
            {"$inc": analytics.increments(coll, value), "$set": {g: batch_id}})
           for (coll, key), value in sorted(totals.items()) if value["count"] or value["age_sum"]]

    def attempt() -> int:
        db = database(settings)
        changed = 0
        for coll, flt, update in ops:
            try:
                db[coll].update_one(flt, update, upsert=True)
                changed += 1
            except DuplicateKeyError:
                pass  # the guard holds this micro-batch (or a later one): this key was counted already
        return changed

    return with_retry(f"updating analytics in MongoDB {settings.db}", attempt, _transient(), settings.retry_seconds,
                      _FIX)


def ping(settings: MongoSettings) -> None:
    """Claims and counters are looked up by _id only, so no index is needed; this just proves the server
    answers, so that a wrong URI fails at start-up rather than in the first micro-batch."""
    database(settings).command("ping")


def read_analytics(settings: MongoSettings) -> dict[str, dict[str, dict]]:
    """{collection: {key: {count[, age_sum]}}}, without the keys whose count fell to 0."""
    db = database(settings)
    out = {}
    for coll in analytics.COLLECTIONS:
        out[coll] = {d["_id"]: {k: v for k, v in d.items() if k in ("count", "age_sum")}
                     for d in db[coll].find({"count": {"$ne": 0}})}
    return out
