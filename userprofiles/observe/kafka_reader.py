"""Reading Kafka for the observers: the topic's offsets, the consumer group's committed offsets and its
note, and the dead-letter topic, read incrementally. One consumer and one admin client, kept between reads
and dropped on close()."""
from __future__ import annotations

import logging
import time
import uuid
from collections import deque

from userprofiles.access.roles import OBSERVER_GROUP_PREFIX
from userprofiles.config.errors import short
from userprofiles.config.settings import ObserveSettings
from userprofiles.consumer.consumer_group import BatchNote
from userprofiles.observe import figures
from userprofiles.observe.snapshot import StoreDown


def _quiet_logger() -> logging.Logger:
    lg = logging.getLogger("librdkafka")
    lg.setLevel(logging.CRITICAL)   # the client logs each failed connection with a traceback
    return lg


class KafkaReader:
    def __init__(self, conf: ObserveSettings, dlq_keep: int = 5000):
        self.conf = conf
        self.dlq_keep = dlq_keep          # dead letters kept per partition for the reason counts
        self._consumer = None
        self._admin = None
        self._dlq: dict[int, deque] = {}   # partition -> latest dead letters read
        self._dlq_next: dict[int, int] = {}  # partition -> next offset to read

    def _client_config(self) -> dict:
        conf = self.conf.kafka.client_config()
        conf.update({"socket.timeout.ms": int(self.conf.timeout * 1000), "logger": _quiet_logger(),
                     "error_cb": lambda _err: None})
        return conf

    def _kafka(self):
        if self._consumer is None:
            from confluent_kafka import Consumer

            group = f"{OBSERVER_GROUP_PREFIX}{uuid.uuid4().hex[:8]}"   # the dashboard's ACLs name this prefix
            self._consumer = Consumer({**self._client_config(), "group.id": group, "enable.auto.commit": False,
                                       "enable.partition.eof": False})
        return self._consumer

    def _down(self, exc: BaseException) -> StoreDown:
        return StoreDown(f"Kafka at {self.conf.kafka.bootstrap_servers} does not answer ({short(exc, 140)}); "
                         f"start it (make up) or fix KAFKA_BOOTSTRAP_SERVERS.")

    def watermarks(self, topic: str) -> dict[int, tuple[int, int]]:
        from confluent_kafka import TopicPartition

        c = self._kafka()
        try:
            md = c.list_topics(topic, timeout=self.conf.timeout)
        except Exception as exc:
            raise self._down(exc) from None
        t = md.topics.get(topic)
        if t is None or t.error is not None or not t.partitions:
            if not md.brokers:
                raise self._down(RuntimeError("no broker"))
            raise StoreDown(f"Kafka topic '{topic}' does not exist on {self.conf.kafka.bootstrap_servers}; "
                            f"make up creates it (or fix KAFKA_TOPIC / KAFKA_DLQ_TOPIC).")
        out = {}
        for p in sorted(t.partitions):
            try:
                out[p] = c.get_watermark_offsets(TopicPartition(topic, p), timeout=self.conf.timeout)
            except Exception as exc:
                raise self._down(exc) from None
        return out

    def group_offsets(self, topic: str) -> tuple[dict[int, int], BatchNote | None]:
        """The consumer group's committed offsets on TOPIC (partition -> next offset to read) and the newest
        note of the consumer among them; ({}, None) when the consumer has committed nothing there yet."""
        from confluent_kafka import ConsumerGroupTopicPartitions
        from confluent_kafka.admin import AdminClient

        if self._admin is None:
            self._admin = AdminClient(self._client_config())
        group = self.conf.consumer_group
        try:
            future = self._admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)],
                                                             request_timeout=self.conf.timeout)[group]
            parts = future.result(timeout=self.conf.timeout * 2).topic_partitions or []
        except Exception as exc:
            raise self._down(exc) from None
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

    def close(self) -> None:
        if self._consumer is not None:
            self._consumer.close()
            self._consumer = None
        self._admin = None
