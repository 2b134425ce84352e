"""One small document per committed micro-batch in the analytics database (collection stream_progress), so
that the dashboard's throughput and latency history needs no checkpoint and survives its own restarts."""
from __future__ import annotations

import logging
import time

from userprofiles.config.errors import short
from userprofiles.config.logs import FailureOnce
from userprofiles.config.settings import MongoSettings, redact_uri
from userprofiles.consumer.consumer_group import BatchNote

log = logging.getLogger("consumer")

COLLECTION = "stream_progress"
KEEP_SECONDS = 24 * 3600
PRUNE_EVERY = 100        # micro-batches between two deletions of the documents older than KEEP_SECONDS


def by_sink(stats: dict) -> dict:
    """The sinks' counts ("<sink>.<count>", progress.sink_counts) as {sink: {count: n}}: MongoDB keys hold no dot."""
    out: dict = {}
    for key, value in stats.items():
        sink, dot, count = key.partition(".")
        if dot:
            out.setdefault(sink, {})[count] = value
    return out


def progress_doc(query: str, note: BatchNote, stats: dict | None, duration_ms: int | None) -> dict:
    stats = stats or {}
    return {"_id": f"{query}:{note.batch}", "query": query, "batch": note.batch, "committed_ms": note.committed_ms,
            "rows": note.rows, "sinks": by_sink(stats),
            "p50_ms": note.p50_ms, "p95_ms": note.p95_ms, "duration_ms": duration_ms}


class ProgressRecorder:
    """Writes the stream_progress documents. A failure is logged (once until it works again) and never
    stops the stream: the history is for watching only."""

    def __init__(self, mongo: MongoSettings, query: str, *, timeout: float = 5.0):
        self.mongo, self.query, self.timeout = mongo, query, timeout
        self._client = None
        self._failure = FailureOnce(log)
        self._since_prune = PRUNE_EVERY   # prune on the first record

    def _collection(self):
        if self._client is None:
            from pymongo import MongoClient

            ms = int(self.timeout * 1000)
            self._client = MongoClient(self.mongo.uri, **self.mongo.login(), serverSelectionTimeoutMS=ms,
                                       connectTimeoutMS=ms, socketTimeoutMS=ms)
        return self._client[self.mongo.db][COLLECTION]

    def record(self, note: BatchNote, stats: dict | None = None, duration_ms: int | None = None) -> bool:
        doc = progress_doc(self.query, note, stats, duration_ms)
        try:
            coll = self._collection()
            coll.replace_one({"_id": doc["_id"]}, doc, upsert=True)
            self._since_prune += 1
            if self._since_prune >= PRUNE_EVERY:
                coll.delete_many({"query": self.query,
                                  "committed_ms": {"$lt": int((time.time() - KEEP_SECONDS) * 1000)}})
                self._since_prune = 0
        except Exception as exc:
            self._failure.failed("could not record micro-batch %d's progress in MongoDB at %s (%s); the stream "
                                 "goes on, the dashboard's history misses it", note.batch,
                                 redact_uri(self.mongo.uri), short(exc, 200))
            return False
        self._failure.worked("micro-batch progress recorded in MongoDB again")
        return True

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
