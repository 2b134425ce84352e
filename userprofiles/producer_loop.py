"""The producer's loop: take batches from a source and publish one Kafka message per user."""
from __future__ import annotations

import logging
import signal
import time
from pathlib import Path

from . import sources
from .config import kafka_client_config

log = logging.getLogger("producer")


class KafkaUnavailable(RuntimeError):
    pass


class Stats:
    def __init__(self) -> None:
        self.sent = self.delivered = self.failed = self.skipped = 0
        self.started = time.monotonic()
        self.first_error = ""

    def on_delivery(self, err, _msg) -> None:
        if err is None:
            self.delivered += 1
        else:
            self.failed += 1
            self.first_error = self.first_error or str(err)

    def line(self) -> str:
        secs = max(time.monotonic() - self.started, 1e-9)
        return (f"sent={self.sent} delivered={self.delivered} failed={self.failed} skipped={self.skipped} "
                f"rate={self.delivered / secs:,.0f} msg/s elapsed={secs:.1f}s")


def make_producer(args):
    from confluent_kafka import Producer

    conf = kafka_client_config(args)
    conf.update({
        "enable.idempotence": True,      # a retried send is not written twice
        "acks": "all",
        "compression.type": args.compression,
        "linger.ms": args.linger_ms,
        "batch.size": 1_000_000,
        "queue.buffering.max.messages": 500_000,
        "message.timeout.ms": 60_000,
        "logger": logging.getLogger("librdkafka"),
    })
    return Producer(conf)


def check_topic(producer, args) -> None:
    """Fail fast, with the fix, when the broker or the topic is missing (librdkafka would retry silently)."""
    try:
        md = producer.list_topics(timeout=10)
    except Exception as exc:
        raise KafkaUnavailable(f"Kafka at {args.bootstrap_servers} is unreachable ({type(exc).__name__}: "
                               f"{str(exc)[:120]}); start it (make up) or fix --bootstrap-servers.") from None
    if args.topic not in md.topics:
        raise KafkaUnavailable(f"Kafka topic '{args.topic}' does not exist on {args.bootstrap_servers}; create it "
                               f"(make up creates users_profiles) or fix --topic / KAFKA_TOPIC.")


def choose_batches(args):
    if args.source == "auto":
        ok, why = sources.api_reachable(args.api_url, timeout=min(args.api_timeout, 5.0))
        if ok:
            log.info("randomuser.me API reachable: using it")
            args.source = "api"
        else:
            log.info("randomuser.me API unreachable (%s): using the synthetic source", why)
            args.source = "synthetic"
    if args.source == "api":
        return sources.api_batches(args.api_url, args.batch_size, args.nat, args.seed, args.api_timeout,
                                   args.api_retries), False
    if args.source == "synthetic":
        return sources.synthetic_batches(args.batch_size, args.nat, args.seed), False
    if args.source.startswith("file:"):
        return sources.file_batches(Path(args.source[5:]), args.batch_size), True
    raise sources.SourceError(f"unknown --source '{args.source}'; use api, synthetic, auto or file:PATH.")


def serve_metrics(stats: Stats, port: int) -> None:
    """Prometheus metrics of this run on 127.0.0.1:PORT, read from the Stats at each scrape."""
    from prometheus_client import REGISTRY, start_http_server
    from prometheus_client.core import CounterMetricFamily

    class StatsCollector:
        def collect(self):
            m = CounterMetricFamily("userprofiles_producer_messages", "messages by outcome", labels=["outcome"])
            for outcome in ("sent", "delivered", "failed", "skipped"):
                m.add_metric([outcome], getattr(stats, outcome))
            yield m

    REGISTRY.register(StatsCollector())
    start_http_server(port, addr="127.0.0.1")
    log.info("Prometheus metrics: http://127.0.0.1:%d/metrics", port)


def _produce(producer, topic: str, key, value, stats: Stats) -> bool:
    """Queue one message; False when Kafka's client refuses it for good (too large, wrong type), which is
    reported in one line, counted and skipped: one message never stops the others."""
    from confluent_kafka import KafkaException

    while True:
        try:
            producer.produce(topic, value=value, key=key, on_delivery=stats.on_delivery)
            return True
        except BufferError:  # local queue full: let deliveries drain
            producer.poll(0.05)
        except (KafkaException, TypeError, ValueError, UnicodeError) as exc:
            stats.skipped += 1
            size = len(value) if isinstance(value, (bytes, str)) else 0
            log.error("message %d (%d bytes, key %r) skipped: %s; fix the record at its source, or raise the "
                      "topic's max.message.bytes if it is only too large", stats.sent + stats.skipped, size,
                      key[:40] if key else None, str(exc)[:200])
            return False


def run(args, batches=None) -> Stats:
    """Publish until the source ends, --max-messages, or a signal. `batches` (an iterable of message
    lists) replaces the source given by args, e.g. records prepared beforehand by the benchmark."""
    if batches is None:
        batches, finite = choose_batches(args)
    else:
        finite = True
    producer = make_producer(args)
    check_topic(producer, args)
    stats = Stats()
    if getattr(args, "metrics_port", 0):
        serve_metrics(stats, args.metrics_port)
    stop = {"now": False}

    def on_signal(signum, _frame):
        log.info("%s received: flushing", signal.Signals(signum).name)
        stop["now"] = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        next_progress = time.monotonic() + args.progress_seconds
        paced_start = time.monotonic()
        limit = args.max_messages or float("inf")
        for batch in batches:
            for key, value in batch:
                if stop["now"] or stats.sent >= limit:
                    break
                if not _produce(producer, args.topic, key, value, stats):
                    continue
                stats.sent += 1
                if args.rate > 0:  # hold the offered rate: wait until the next message is due
                    due = paced_start + stats.sent / args.rate
                    # poll() returns as soon as it has served a delivery report, long before `due`.
                    while (delay := due - time.monotonic()) > 0:
                        producer.poll(delay)
            producer.poll(0)
            if time.monotonic() >= next_progress:
                log.info("progress: %s", stats.line())
                next_progress = time.monotonic() + args.progress_seconds
            if stop["now"] or stats.sent >= limit:
                break
            if not finite and args.interval > 0 and args.rate <= 0:
                deadline = time.monotonic() + args.interval
                while not stop["now"]:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    # Never a negative timeout: librdkafka reads it as "wait forever".
                    producer.poll(min(0.2, left))
    finally:  # whatever stopped the loop, what is queued is delivered (or counted as failed)
        remaining = producer.flush(60)
        if remaining:
            stats.failed += remaining
            stats.first_error = stats.first_error or f"{remaining} messages still queued after 60 s"
    return stats
