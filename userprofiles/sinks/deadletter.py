"""Dead letters: sent by the executors to their own Kafka topic, with Kafka Connect's error headers.

At-least-once: a replayed micro-batch may send a letter again; its key (topic:partition:offset of the source
message) identifies it. Each Python worker keeps one producer, reused across batches.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from userprofiles.access import refusals
from userprofiles.sinks import CommitMessage, StreamSink, TaskRows, connections
from userprofiles.sinks.redaction import letter
from userprofiles.sinks.retry import SinkRefused, SinkUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeadLetterConf:
    """:param client: librdkafka settings (bootstrap.servers, security); :param topic: the dead-letter topic;
    :param timeout_s: how long a letter may wait for the broker before the micro-batch fails (and is replayed)."""
    topic: str
    client: dict = field(default_factory=dict)
    timeout_s: float = 120.0


def _producer(conf: DeadLetterConf):
    def make():
        from confluent_kafka import Producer

        return Producer({**conf.client, "enable.idempotence": True, "acks": "all", "linger.ms": 5,
                         "message.timeout.ms": int(conf.timeout_s * 1000)})
    # send() waits for every letter it sends; a letter still queued belongs to a failed micro-batch, which is
    # replayed, so close() drops it rather than wait for a broker that may be gone.
    return connections.shared(("kafka-producer", tuple(sorted(conf.client.items())), conf.timeout_s), make,
                              _close_producer)


def _close_producer(producer) -> None:
    producer.purge()
    producer.close()


def send(conf: DeadLetterConf, letters: list[tuple[bytes, bytes, list]]) -> None:
    """Send every (key, value, headers) and wait for all of them; raise when one was not delivered."""
    if not letters:
        return
    p = _producer(conf)
    errors = []

    def on_delivery(err, _msg):
        if err is not None:
            errors.append(err)

    for key, value, headers in letters:
        while True:
            try:
                p.produce(conf.topic, key=key, value=value, headers=headers, on_delivery=on_delivery)
                break
            except BufferError:
                p.poll(0.1)
    left = p.flush(conf.timeout_s + 10)
    if errors or left:
        why = str(errors[0]) if errors else f"{left} still queued"
        raise SinkUnavailable(f"sending {len(letters)} dead letters to Kafka topic {conf.topic} failed ({why}); "
                              f"start Kafka (make up) or fix --bootstrap-servers / --dlq-topic, then rerun: the "
                              f"micro-batch is replayed from the checkpoint")


class DeadLetterSink(StreamSink):
    """The dead-letter topic: one letter per message that is no profile (its reason, where it came from, a
    masked copy; redaction.py). At least once: a replayed micro-batch sends its letters again, under the same
    keys."""
    name = "deadletters"
    section = "kafka"
    settings: DeadLetterConf

    @classmethod
    def from_settings(cls, settings) -> DeadLetterSink:
        return cls(settings=DeadLetterConf(topic=settings.kafka.dlq_topic, client=settings.kafka.client_config(),
                                           timeout_s=settings.sink_retry_seconds))

    @classmethod
    def preflight(cls, settings):
        kafka = settings.kafka
        try:
            md = refusals.kafka_metadata(kafka.client_config(), role="consumer", wait=settings.connect_timeout)
        except Exception as exc:
            raise SinkRefused(str(exc) if isinstance(exc, refusals.AccessRefused) else
                              f"Kafka at {kafka.bootstrap_servers} is unreachable ({exc}); start it (make up) or "
                              f"fix --bootstrap-servers / KAFKA_BOOTSTRAP_SERVERS.") from None
        if kafka.dlq_topic not in md.topics:
            raise SinkRefused(f"Kafka topic '{kafka.dlq_topic}' does not exist on {kafka.bootstrap_servers}, or the "
                              f"user '{kafka.sasl_username}' may not see it; create it and grant the consumer's ACLs "
                              f"(make up does, for the stack's topics) or fix --dlq-topic.")
        return settings

    def write(self, rows: TaskRows) -> CommitMessage:
        send(self.settings, [letter(d.reason, topic=d.topic, partition=d.partition, offset=d.offset,
                                    timestamp_ms=d.timestamp_ms, payload=d.value) for d in rows.dead])
        return CommitMessage({"sent": len(rows.dead)})
