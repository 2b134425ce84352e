"""Reading the stores with their real clients (confluent-kafka, cassandra-driver, pymongo), each with a
short timeout, and one snapshot of every figure, read in parallel so that a store that is down costs its
timeout once, not once per figure.

Clients are kept between snapshots (the dashboard takes one every few seconds; connecting to Cassandra
is slow) and dropped when they fail, so that a store that comes back is found again."""
from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from userprofiles.config.errors import short
from userprofiles.config.settings import ObserveSettings, redact_uri
from userprofiles.consumer.consumer_group import BatchNote
from userprofiles.observe import figures, history


class StoreDown(RuntimeError):
    """A store did not answer: the message is one line naming it, its address and the fix."""


@dataclass(frozen=True)
class RowCount:
    rows: int
    estimated: bool
    how: str   # what the figure is, in words


@dataclass
class Snapshot:
    taken_at: float
    seconds: float = 0.0                       # how long reading everything took
    errors: dict = field(default_factory=dict)  # "kafka" | "cassandra" | "mongodb" | "group" -> message
    rows: RowCount | None = None
    collections: dict | None = None            # name -> figures.CollectionFigures
    dlq_total: int | None = None               # messages in the dead-letter topic
    dlq_scanned: list = field(default_factory=list)  # the latest dead letters read (DeadLetter), oldest first
    lags: list | None = None                   # figures.PartitionLag per partition of the topic
    note: BatchNote | None = None              # the consumer's newest committed micro-batch (its group commit)
    produced: int | None = None                # the topic's end offsets, summed
    part_seconds: dict = field(default_factory=dict)  # store -> seconds its reads took

    @property
    def profiles(self) -> int | None:
        return None if self.collections is None else figures.distinct_profiles(self.collections)


def _quiet(name: str) -> logging.Logger:
    lg = logging.getLogger(name)
    lg.setLevel(logging.CRITICAL)   # the clients log each failed connection with a traceback
    return lg


class Stores:
    def __init__(self, conf: ObserveSettings, dlq_keep: int = 5000):
        self.conf = conf
        self.dlq_keep = dlq_keep          # dead letters kept per partition for the reason counts
        self._lock = threading.Lock()
        self._consumer = None
        self._admin = None
        self._cluster = None
        self._session = None
        self._mongo = None
        self._dlq: dict[int, deque] = {}   # partition -> latest dead letters read
        self._dlq_next: dict[int, int] = {}  # partition -> next offset to read
        self._count_cache: tuple[float, RowCount] | None = None
        _quiet("cassandra")

    # --- Kafka -------------------------------------------------------------------------------------------
    def _kafka(self):
        if self._consumer is None:
            from confluent_kafka import Consumer

            conf = self.conf.kafka.client_config()
            conf.update({"group.id": f"observe-{uuid.uuid4().hex[:8]}", "enable.auto.commit": False,
                         "enable.partition.eof": False, "socket.timeout.ms": int(self.conf.timeout * 1000),
                         "logger": _quiet("librdkafka"), "error_cb": lambda _err: None})
            self._consumer = Consumer(conf)
        return self._consumer

    def _kafka_down(self, exc: BaseException) -> StoreDown:
        return StoreDown(f"Kafka at {self.conf.kafka.bootstrap_servers} does not answer ({short(exc, 140)}); "
                         f"start it (make up) or fix KAFKA_BOOTSTRAP_SERVERS.")

    def watermarks(self, topic: str) -> dict[int, tuple[int, int]]:
        from confluent_kafka import TopicPartition

        c = self._kafka()
        try:
            md = c.list_topics(topic, timeout=self.conf.timeout)
        except Exception as exc:
            raise self._kafka_down(exc) from None
        t = md.topics.get(topic)
        if t is None or t.error is not None or not t.partitions:
            if not md.brokers:
                raise self._kafka_down(RuntimeError("no broker"))
            raise StoreDown(f"Kafka topic '{topic}' does not exist on {self.conf.kafka.bootstrap_servers}; "
                            f"make up creates it (or fix KAFKA_TOPIC / KAFKA_DLQ_TOPIC).")
        out = {}
        for p in sorted(t.partitions):
            try:
                out[p] = c.get_watermark_offsets(TopicPartition(topic, p), timeout=self.conf.timeout)
            except Exception as exc:
                raise self._kafka_down(exc) from None
        return out

    def group_offsets(self, topic: str) -> tuple[dict[int, int], BatchNote | None]:
        """The consumer group's committed offsets on TOPIC (partition -> next offset to read) and the newest
        note of the consumer among them; ({}, None) when the consumer has committed nothing there yet."""
        from confluent_kafka import ConsumerGroupTopicPartitions
        from confluent_kafka.admin import AdminClient

        if self._admin is None:
            conf = self.conf.kafka.client_config()
            conf.update({"socket.timeout.ms": int(self.conf.timeout * 1000), "logger": _quiet("librdkafka"),
                         "error_cb": lambda _err: None})
            self._admin = AdminClient(conf)
        group = self.conf.consumer_group
        try:
            future = self._admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)],
                                                             request_timeout=self.conf.timeout)[group]
            parts = future.result(timeout=self.conf.timeout * 2).topic_partitions or []
        except Exception as exc:
            raise self._kafka_down(exc) from None
        offsets, notes = {}, []
        for tp in parts:
            if tp.topic == topic and tp.offset >= 0:   # -1001: no offset committed for that partition
                offsets[tp.partition] = tp.offset
                notes.append(BatchNote.from_json(tp.metadata))
        newest = max((n for n in notes if n is not None), key=lambda n: (n.committed_ms, n.batch), default=None)
        return offsets, newest

    def _read(self, topic: str, starts: dict[int, int], ends: dict[int, int], budget: float) -> list:
        """Messages of TOPIC from starts[p] (inclusive) to ends[p] (exclusive), within BUDGET seconds."""
        from confluent_kafka import TopicPartition

        todo = {p: s for p, s in starts.items() if s < ends[p]}
        if not todo:
            return []
        c = self._kafka()
        c.assign([TopicPartition(topic, p, s) for p, s in todo.items()])
        out, deadline = [], time.monotonic() + budget
        try:
            while todo and time.monotonic() < deadline:
                # consume() returns early only when it has all 500: short waits, or each call costs its timeout.
                for m in c.consume(500, timeout=min(0.1, max(0.01, deadline - time.monotonic()))):
                    if m.error() or m.partition() not in todo:
                        continue
                    out.append(m)
                    if m.offset() + 1 >= ends[m.partition()]:
                        todo.pop(m.partition(), None)
                        c.incremental_unassign([TopicPartition(topic, m.partition())])
        finally:
            c.unassign()
        return out

    def dead_letters(self) -> tuple[int, list]:
        """(messages in the dead-letter topic, the latest ones read, oldest first). New dead letters are
        read incrementally; at most dlq_keep per partition are kept."""
        marks = self.watermarks(self.conf.kafka.dlq_topic)
        starts = {}
        for p, (low, end) in marks.items():
            nxt = self._dlq_next.get(p)
            if nxt is None or nxt > end or nxt < low:   # first look, or the topic was recreated/truncated
                self._dlq[p] = deque(maxlen=self.dlq_keep)
                nxt = max(low, end - self.dlq_keep)
            starts[p] = nxt
        for m in self._read(self.conf.kafka.dlq_topic, starts, {p: e for p, (_, e) in marks.items()},
                            budget=self.conf.timeout * 2):
            self._dlq[m.partition()].append(
                figures.decode_dead_letter(m.value(), m.headers(), m.partition(), m.offset(), m.timestamp()[1]))
            self._dlq_next[m.partition()] = m.offset() + 1
        for p, s in starts.items():
            self._dlq_next.setdefault(p, s)
        total = sum(end - low for low, end in marks.values())
        letters = sorted((d for p in marks for d in self._dlq.get(p, ())),
                         key=lambda d: (d.written_ms, d.partition, d.offset))
        return total, letters

    # --- Cassandra ----------------------------------------------------------------------------------------
    def _cassandra(self):
        if self._session is None:
            from userprofiles.sinks.cassandra_connection import connect

            self._session = connect(self.conf.cassandra, timeout=self.conf.timeout)
            self._cluster = self._session.cluster
        return self._session

    def row_count(self, reuse_for: float = 0.0) -> RowCount:
        """Rows of the profiles table: SELECT count(*), unless Cassandra's own estimate (system.size_estimates,
        flushed data only, refreshed every few minutes) says the table is over exact_count_limit; then that
        estimate. REUSE_FOR: seconds during which the last count is reused (a count reads the whole table)."""
        if self._count_cache and time.monotonic() - self._count_cache[0] < reuse_for:
            return self._count_cache[1]
        c, where = self.conf, self.conf.cassandra.address
        try:
            s = self._cassandra()
            est = sum(r.partitions_count for r in s.execute(
                "SELECT partitions_count FROM system.size_estimates WHERE keyspace_name=%s AND table_name=%s",
                (c.cassandra.keyspace, c.cassandra.table), timeout=c.timeout))
            if est > c.exact_count_limit:
                result = RowCount(est, True, f"estimate from Cassandra's table statistics (over "
                                             f"{c.exact_count_limit:,} rows; not counted)")
            else:
                try:
                    n = s.execute(f"SELECT count(*) FROM {c.cassandra.keyspace}.{c.cassandra.table}",
                                  timeout=c.timeout * 3).one()[0]
                    result = RowCount(n, False, "SELECT count(*)")
                except Exception as exc:
                    if type(exc).__name__ not in ("OperationTimedOut", "ReadTimeout") or not est:
                        raise
                    result = RowCount(est, True, f"estimate from table statistics (count(*) took over "
                                                 f"{c.timeout * 3:.0f}s)")
        except Exception as exc:
            if type(exc).__name__ == "InvalidRequest":
                raise StoreDown(f"Cassandra table {c.cassandra.keyspace}.{c.cassandra.table} does not exist on {where} "
                                f"(the consumer "
                                f"creates it; or fix CASSANDRA_KEYSPACE / CASSANDRA_TABLE).") from None
            self._drop_cassandra()
            raise StoreDown(f"Cassandra at {where} does not answer ({short(exc, 140)}); start it (make up) or fix "
                            f"CASSANDRA_HOSTS / CASSANDRA_PORT.") from None
        self._count_cache = (time.monotonic(), result)
        return result

    def _drop_cassandra(self) -> None:
        # A session whose first connection failed never recovers on its own; one that lost a live node does,
        # but a fresh one next time is simpler and costs a second only while the node is away.
        if self._cluster is not None:
            try:
                self._cluster.shutdown()
            except Exception:
                pass
        self._cluster = self._session = None

    # --- MongoDB ------------------------------------------------------------------------------------------
    def _db(self):
        c = self.conf
        if self._mongo is None:
            from pymongo import MongoClient

            ms = int(c.timeout * 1000)
            self._mongo = MongoClient(c.mongo.uri, serverSelectionTimeoutMS=ms, connectTimeoutMS=ms,
                                      socketTimeoutMS=ms * 3)
        return self._mongo[c.mongo.db]

    def _mongo_down(self, exc: BaseException) -> StoreDown:
        return StoreDown(f"MongoDB at {redact_uri(self.conf.mongo.uri)} does not answer ({short(exc, 140)}); start it "
                         f"(make up) or fix MONGO_URI.")

    def analytics(self) -> dict[str, list[dict]]:
        from userprofiles.sinks.mongo import read_analytics

        try:
            return {name: [{"_id": key, **doc} for key, doc in docs.items()]
                    for name, docs in read_analytics(self._db()).items()}
        except Exception as exc:
            raise self._mongo_down(exc) from None

    def progress(self, query: str, after_ms: int) -> list[dict]:
        """The consumer's stream_progress documents of QUERY committed at AFTER_MS or later, oldest first."""
        try:
            return list(self._db()[history.COLLECTION].find({"query": query, "committed_ms": {"$gte": after_ms}})
                        .sort("committed_ms", 1))
        except Exception as exc:
            raise self._mongo_down(exc) from None

    def close(self) -> None:
        with self._lock:
            if self._consumer is not None:
                self._consumer.close()
                self._consumer = None
            self._admin = None
            self._drop_cassandra()
            if self._mongo is not None:
                self._mongo.close()
                self._mongo = None

    # --- everything at once -------------------------------------------------------------------------------
    def snapshot(self, top: int = 15, count_reuse_for: float = 0.0,
                 progress: history.History | None = None) -> Snapshot:
        """Every figure, the stores read in parallel. PROGRESS: the history that the consumer's newer
        micro-batches are added to (None: not read, as for `make status`)."""
        with self._lock:
            t0 = time.monotonic()
            snap = Snapshot(taken_at=time.time())

            def kafka_part():
                try:
                    marks = self.watermarks(self.conf.kafka.topic)
                except StoreDown as exc:
                    snap.errors["kafka"] = str(exc)
                    return
                snap.produced = sum(end for _, end in marks.values())
                try:
                    committed, snap.note = self.group_offsets(self.conf.kafka.topic)
                except StoreDown as exc:
                    snap.errors["group"] = str(exc)
                    committed = None
                if committed == {}:
                    snap.errors["group"] = (f"the consumer group {self.conf.consumer_group} has no offsets on "
                                            f"{self.conf.kafka.topic} yet (the consumer commits them after each "
                                            f"micro-batch; another query name? set SPARK_QUERY_NAME)")
                snap.lags = figures.partition_lags(marks, committed or None)
                try:
                    snap.dlq_total, snap.dlq_scanned = self.dead_letters()
                except StoreDown as exc:
                    snap.errors["kafka"] = str(exc)

            def cassandra_part():
                try:
                    snap.rows = self.row_count(count_reuse_for)
                except StoreDown as exc:
                    snap.errors["cassandra"] = str(exc)

            def mongo_part():
                try:
                    analytics = self.analytics()
                except StoreDown as exc:
                    snap.errors["mongodb"] = str(exc)
                    return
                snap.collections = figures.all_collection_figures(analytics, top)
                if progress is not None:
                    after = progress.after_ms
                    if after is None:
                        after = int((snap.taken_at - progress.keep) * 1000)
                    try:
                        progress.add(self.progress(self.conf.consumer_group, after), snap.taken_at)
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
