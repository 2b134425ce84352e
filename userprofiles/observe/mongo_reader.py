"""Reading MongoDB for the observers: the analytics collections and the consumer's stream_progress
documents. One client, kept between reads and closed on close()."""
from __future__ import annotations

from userprofiles.config.errors import short
from userprofiles.config.settings import ObserveSettings, redact_uri
from userprofiles.observe import history
from userprofiles.observe.snapshot import StoreDown


class MongoReader:
    def __init__(self, conf: ObserveSettings):
        self.conf = conf
        self._mongo = None

    def _db(self):
        c = self.conf
        if self._mongo is None:
            from pymongo import MongoClient

            ms = int(c.timeout * 1000)
            self._mongo = MongoClient(c.mongo.uri, **c.mongo.login(), serverSelectionTimeoutMS=ms, connectTimeoutMS=ms,
                                      socketTimeoutMS=ms * 3)
        return self._mongo[c.mongo.db]

    def _down(self, exc: BaseException) -> StoreDown:
        return StoreDown(f"MongoDB at {redact_uri(self.conf.mongo.uri)} does not answer ({short(exc, 140)}); start it "
                         f"(make up) or fix MONGO_URI.")

    def analytics(self) -> dict[str, list[dict]]:
        from userprofiles.sinks.mongo import read_analytics

        try:
            return {name: [{"_id": key, **doc} for key, doc in docs.items()]
                    for name, docs in read_analytics(self._db()).items()}
        except Exception as exc:
            raise self._down(exc) from None

    def progress(self, query: str, after_ms: int) -> list[dict]:
        """The consumer's stream_progress documents of QUERY committed at AFTER_MS or later, oldest first."""
        try:
            return list(self._db()[history.COLLECTION].find({"query": query, "committed_ms": {"$gte": after_ms}})
                        .sort("committed_ms", 1))
        except Exception as exc:
            raise self._down(exc) from None

    def close(self) -> None:
        if self._mongo is not None:
            self._mongo.close()
            self._mongo = None
