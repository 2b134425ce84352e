"""All the stores at once: one Snapshot of every figure, the stores read in parallel so that a store that
is down costs its timeout once, not once per figure. Each store is read by its own reader (kafka_reader.py,
cassandra_reader.py, mongo_reader.py) with its real client and a short timeout.

Clients are kept between snapshots (the dashboard takes one every few seconds; connecting to Cassandra
is slow) and dropped when they fail, so that a store that comes back is found again."""
from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from userprofiles.config import options
from userprofiles.config.errors import short
from userprofiles.config.logs import setup_logging
from userprofiles.config.settings import ObserveSettings
from userprofiles.observe import figures, history
from userprofiles.observe.cassandra_reader import CassandraReader
from userprofiles.observe.kafka_reader import KafkaReader
from userprofiles.observe.mongo_reader import MongoReader
from userprofiles.observe.snapshot import Snapshot, StoreDown


class Stores:
    def __init__(self, conf: ObserveSettings, dlq_keep: int = 5000):
        self.conf = conf
        self.kafka = KafkaReader(conf, dlq_keep)
        self.cassandra = CassandraReader(conf)
        self.mongo = MongoReader(conf)
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self.kafka.close()
            self.cassandra.close()
            self.mongo.close()

    def snapshot(self, top: int = 15, count_reuse_for: float = 0.0,
                 progress: history.History | None = None) -> Snapshot:
        """Every figure, the stores read in parallel. PROGRESS: the history that the consumer's newer
        micro-batches are added to (None: not read, as for `make status`)."""
        with self._lock:
            t0 = time.monotonic()
            snap = Snapshot(taken_at=time.time())

            def kafka_part():
                try:
                    marks = self.kafka.watermarks(self.conf.kafka.topic)
                except StoreDown as exc:
                    snap.errors["kafka"] = str(exc)
                    return
                snap.produced = sum(end for _, end in marks.values())
                try:
                    committed, snap.note = self.kafka.group_offsets(self.conf.kafka.topic)
                except StoreDown as exc:
                    snap.errors["group"] = str(exc)
                    committed = None
                if committed == {}:
                    snap.errors["group"] = (f"the consumer group {self.conf.consumer_group} has no offsets on "
                                            f"{self.conf.kafka.topic} yet (the consumer commits them after each "
                                            f"micro-batch; another query name? set SPARK_QUERY_NAME)")
                snap.lags = figures.partition_lags(marks, committed or None)
                try:
                    snap.dlq_total, snap.dlq_scanned = self.kafka.dead_letters()
                except StoreDown as exc:
                    snap.errors["kafka"] = str(exc)

            def cassandra_part():
                try:
                    snap.rows = self.cassandra.row_count(count_reuse_for)
                except StoreDown as exc:
                    snap.errors["cassandra"] = str(exc)

            def mongo_part():
                try:
                    analytics = self.mongo.analytics()
                except StoreDown as exc:
                    snap.errors["mongodb"] = str(exc)
                    return
                snap.collections = figures.all_collection_figures(analytics, top)
                if progress is not None:
                    after = progress.after_ms
                    if after is None:
                        after = int((snap.taken_at - progress.keep) * 1000)
                    try:
                        progress.add(self.mongo.progress(self.conf.consumer_group, after), snap.taken_at)
                    except StoreDown as exc:
                        snap.errors["mongodb"] = str(exc)

            def guarded(store, part):
                t = time.monotonic()
                try:
                    part()
                except Exception as exc:  # a bug or an unforeseen client error: said, not a traceback
                    snap.errors.setdefault(store, f"reading {store} failed: {short(exc, 140)}")
                finally:
                    snap.part_seconds[store] = time.monotonic() - t

            with ThreadPoolExecutor(3) as pool:
                list(pool.map(guarded, ("kafka", "cassandra", "mongodb"), (kafka_part, cassandra_part, mongo_part)))
            snap.seconds = time.monotonic() - t0
            return snap


@contextmanager
def open_stores(parser: argparse.ArgumentParser, argv) -> Iterator[tuple[argparse.Namespace, ObserveSettings, Stores]]:
    """(args, settings, stores) of a one-shot observer (`make status`, `make dlq`): ARGV parsed by PARSER,
    logging set up; the stores are closed on the way out."""
    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    conf = options.observe_settings(args)
    stores = Stores(conf)
    try:
        yield args, conf, stores
    finally:
        stores.close()
