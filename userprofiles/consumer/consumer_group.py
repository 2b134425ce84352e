"""The consumer's offsets in a Kafka consumer group, so that Kafka's own tools (kafka-consumer-groups.sh
--describe, kafka-ui, Conduktor) and `make status` see its lag.

The group is named after the streaming query (--query-name, `users_profiles` unless told). It is for watching
only: Spark's checkpoint stays the truth of what was written, and a restart reads from the checkpoint, never
from the group. The offsets are committed after Spark has committed the micro-batch, so the group is at most
one micro-batch behind the checkpoint. Each partition's commit carries a small JSON note (the micro-batch,
when it was committed, its latency figures) that the dashboard reads.
"""
from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass

from userprofiles.config.errors import short
from userprofiles.config.logs import FailureOnce
from userprofiles.config.settings import KafkaSettings

log = logging.getLogger("consumer")


@dataclass(frozen=True)
class BatchNote:
    """What the consumer says about its newest committed micro-batch, in each partition's commit metadata."""
    batch: int
    committed_ms: int       # epoch ms: when Spark had committed it
    rows: int = 0           # records the micro-batch read
    p50_ms: float | None = None   # end-to-end latency of a sample of its rows (Kafka timestamp -> Cassandra)
    p95_ms: float | None = None

    def to_json(self) -> str:
        return json.dumps({"batch": self.batch, "committed_ms": self.committed_ms, "rows": self.rows,
                           "p50_ms": self.p50_ms, "p95_ms": self.p95_ms}, separators=(",", ":"))

    @staticmethod
    def from_json(text: str | None) -> BatchNote | None:
        """None for a commit without our note (e.g. offsets reset with kafka-consumer-groups.sh)."""
        try:
            d = json.loads(text or "")
            return BatchNote(int(d["batch"]), int(d["committed_ms"]), int(d.get("rows") or 0),
                             d.get("p50_ms"), d.get("p95_ms"))
        except (ValueError, TypeError, KeyError):
            return None


def percentile(values, q: float) -> float | None:
    """The Q-th percentile (0-100) by nearest rank, None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    return float(ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))])


class GroupCommitter:
    """Commits a micro-batch's end offsets to the group, as a member-less ("simple") consumer: it never
    subscribes, so it never joins the group nor takes a partition from anyone."""

    def __init__(self, kafka: KafkaSettings, group: str, *, timeout: float = 10.0):
        self.group = group
        self.timeout = timeout
        self._kafka = kafka
        self._consumer = None
        self._failure = FailureOnce(log)

    def _client(self):
        if self._consumer is None:
            from confluent_kafka import Consumer

            conf = self._kafka.client_config()
            conf.update({"group.id": self.group, "enable.auto.commit": False, "enable.auto.offset.store": False,
                         "socket.timeout.ms": int(self.timeout * 1000), "error_cb": lambda _err: None})
            self._consumer = Consumer(conf)
        return self._consumer

    def commit(self, end_offsets: dict[str, dict[int, int]], note: BatchNote) -> bool:
        """END_OFFSETS: topic -> partition -> the next offset to read. A failure is logged (once until it
        works again) and never stops the stream: the group is for watching only."""
        from confluent_kafka import TopicPartition

        meta = note.to_json()
        tps = [TopicPartition(topic, int(p), int(off), metadata=meta)
               for topic, parts in end_offsets.items() for p, off in parts.items()]
        if not tps:
            return True
        try:
            self._client().commit(offsets=tps, asynchronous=False)
        except Exception as exc:
            self._failure.failed("could not commit micro-batch %d's offsets to the consumer group %s (%s); the "
                                 "stream goes on, Kafka's tools show an older lag until it works again",
                                 note.batch, self.group, short(exc, 200))
            return False
        self._failure.worked("the consumer group %s has the offsets again (micro-batch %d)", self.group, note.batch)
        return True

    def close(self) -> None:
        if self._consumer is not None:
            self._consumer.close()
            self._consumer = None


def end_offsets(progress_end_offset: str | dict | None) -> dict[str, dict[int, int]]:
    """topic -> partition -> offset from a Kafka source's endOffset in Spark's progress (JSON text or parsed)."""
    try:
        data = json.loads(progress_end_offset) if isinstance(progress_end_offset, str) else progress_end_offset
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {topic: {int(p): int(o) for p, o in parts.items()} for topic, parts in data.items()
            if isinstance(parts, dict)}
