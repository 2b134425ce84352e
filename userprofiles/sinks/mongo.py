"""MongoDB analytics: the counters of the profiles that the table holds, changed once per micro-batch.

Each task counts its share of the per-profile state's changes (domain/analytics.py); the driver merges them
into one delta per counter key, and this sink adds each with one update guarded by the micro-batch: the
filter requires `last_batch.<query_id>` < batch_id and the update sets it to batch_id. A replayed micro-batch
computes the same deltas and finds the guard set; its upsert then collides with the existing `_id` (duplicate
key): that key was counted already (docs/fault-tolerance.md). One update per key, not one unordered bulk,
because FerretDB's reply to a bulk that hits a duplicate key breaks pymongo's bulk API (docs/design.md). A
counter that falls to 0 keeps its document, since its guard must outlive it; readers treat count 0 as absent.
"""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from userprofiles.access import refusals
from userprofiles.config.settings import MongoSettings, redact_uri
from userprofiles.domain import analytics
from userprofiles.sinks import Batch, CommitMessage, StreamSink, TaskRows, connections
from userprofiles.sinks.retry import SinkRefused, with_retry

log = logging.getLogger(__name__)
DUPLICATE_KEY = 11000
UPDATE_THREADS = 4  # counter keys are independent: their guarded updates go a few at a time


def database(settings: MongoSettings):
    """The analytics database, on this process's client for the settings' server (connections.py)."""
    def make():
        from pymongo import MongoClient

        ms = int(settings.connect_timeout * 1000)
        # socketTimeoutMS: a server that stops answering fails the request (a transient error, retried
        # within the budget) instead of holding the task for ever.
        return MongoClient(settings.uri, serverSelectionTimeoutMS=ms, connectTimeoutMS=ms, socketTimeoutMS=60_000,
                           retryWrites=True, **settings.login())
    return connections.shared(("mongo", settings.uri, settings.username), make,
                              lambda client: client.close())[settings.db]


def _transient():
    from pymongo.errors import AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError
    return (AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError)


_FIX = ("start the MongoDB server (make up) or fix --mongo-uri, then rerun: the micro-batch is replayed from the "
        "checkpoint")


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

    def one(op) -> int:
        coll, flt, update = op
        try:
            database(settings)[coll].update_one(flt, update, upsert=True)
            return 1
        except DuplicateKeyError:
            return 0  # the guard holds this micro-batch (or a later one): this key was counted already

    def attempt() -> int:
        with ThreadPoolExecutor(UPDATE_THREADS) as pool:
            return sum(pool.map(one, ops))

    return with_retry(f"updating analytics in MongoDB {settings.db}", attempt, _transient(), settings.retry_seconds,
                      _FIX)


class AnalyticsSink(StreamSink):
    """The analytics collections: each task's counter changes, merged and applied on the driver once per
    (query, micro-batch)."""
    name = "analytics"
    section = "mongo"
    settings: MongoSettings

    @classmethod
    def preflight(cls, settings):
        m = settings.mongo
        try:
            ping(m)
        except Exception as exc:
            refusal = refusals.mongo_refusal(exc, address=redact_uri(m.uri), user=m.user, role="consumer")
            from userprofiles.config.errors import short

            raise SinkRefused(str(refusal) if refusal else f"MongoDB at {redact_uri(m.uri)} is unreachable "
                              f"({short(exc)}); start it (make up) or fix --mongo-uri / MONGO_URI.") from None
        return settings

    def write(self, rows: TaskRows) -> CommitMessage:
        deltas = analytics.changes(rows.upserts, rows.deletes)
        return CommitMessage(data=[[c, k, v] for (c, k), v in deltas.items()])

    def commit(self, messages, batch: Batch) -> dict[str, int]:
        totals = analytics.merge({(c, k): v for c, k, v in m.data or []} for m in messages)
        return {"counters": apply_totals(self.settings, totals, batch.query_id, batch.batch_id)}


def ping(settings: MongoSettings) -> None:
    """Counters are looked up by _id only, so no index is needed; this proves that the server answers and
    takes the URI's login (a server that asks for one answers a bare ping anonymously), so that a wrong URI
    fails at start-up rather than in the first micro-batch."""
    database(settings).list_collection_names()


def read_analytics(db) -> dict[str, dict[str, dict]]:
    """{collection: {key: {count[, age_sum]}}} of the pymongo database DB, without the keys whose count fell
    to 0 (their documents stay for the replay guard). The one reader of the counters: the tests, `make status`
    and the dashboard use it with their own clients."""
    out = {}
    for coll in analytics.COLLECTIONS:
        out[coll] = {d["_id"]: {k: v for k, v in d.items() if k in ("count", "age_sum")}
                     for d in db[coll].find({"count": {"$ne": 0}}, {"count": 1, "age_sum": 1})}
    return out
