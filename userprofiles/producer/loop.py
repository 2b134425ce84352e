"""The producer's loop: take pages of records from a source and publish one Kafka message per user."""
from __future__ import annotations

import logging
import signal
import time
from pathlib import Path

from userprofiles.config.settings import ProducerSettings
from userprofiles.producer import sources

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


def make_producer(settings: ProducerSettings):
    from confluent_kafka import Producer

    conf = settings.kafka.client_config()
    conf.update({
        "enable.idempotence": True,      # a retried send is not written twice
        "acks": "all",
        "compression.type": settings.compression,
        "linger.ms": settings.linger_ms,
        "batch.size": 1_000_000,
        "queue.buffering.max.messages": 500_000,
        "message.timeout.ms": 60_000,
        "logger": logging.getLogger("librdkafka"),
    })
    return Producer(conf)


def check_topic(producer, settings: ProducerSettings) -> None:
    """Fail fast, with the fix, when the broker or the topic is missing or the broker refuses the credentials
    (librdkafka would retry silently)."""
    from userprofiles.access import refusals

    try:
        md = refusals.kafka_metadata(settings.kafka.client_config(), role="producer", wait=10)
    except refusals.AccessRefused as exc:
        raise KafkaUnavailable(str(exc)) from None
    except Exception as exc:
        raise KafkaUnavailable(f"Kafka at {settings.kafka.bootstrap_servers} is unreachable ({type(exc).__name__}: "
                               f"{str(exc)[:400]}); start it (make up) or fix --bootstrap-servers.") from None
    topic = settings.kafka.topic
    if topic not in md.topics:
        raise KafkaUnavailable(f"Kafka topic '{topic}' does not exist on {settings.kafka.bootstrap_servers}, or the "
                               f"user '{settings.kafka.sasl_username}' may not write it; create it and grant the "
                               f"producer's ACL (make up does, for users_profiles) or fix --topic / KAFKA_TOPIC.")


def open_source(settings: ProducerSettings) -> tuple[str, object, bool]:
    """(the source's name, its pages, whether they end). `auto` is the API when it answers, else synthetic."""
    source = settings.source
    if settings.population and source != "synthetic":
        raise sources.SourceError(f"--population draws users from the synthetic source, not '{source}'; use "
                                  f"--source synthetic, or drop --population.")
    if source == "auto":
        ok, why = sources.api_reachable(settings.api_url, timeout=min(settings.api_timeout, 5.0))
        source = "api" if ok else "synthetic"
        log.info("randomuser.me API %s: using the %s source", "reachable" if ok else f"unreachable ({why})", source)
    if source == "api":
        return source, sources.api_pages(settings.api_url, settings.messages_per_iteration, settings.nat,
                                         settings.seed, settings.api_timeout, settings.api_retries,
                                         keep_login_secrets=settings.keep_login_secrets), False
    if source == "synthetic":
        return source, sources.synthetic_pages(settings.messages_per_iteration, settings.nat, settings.seed,
                                               settings.population, settings.changed_share,
                                               keep_login_secrets=settings.keep_login_secrets), False
    if source.startswith("file:"):
        return source, sources.file_pages(Path(source[5:]), settings.messages_per_iteration,
                                          keep_login_secrets=settings.keep_login_secrets), True
    raise sources.SourceError(f"unknown --source '{source}'; use api, synthetic, auto or file:PATH.")


def serve_metrics(stats: Stats, port: int, host: str = "127.0.0.1") -> None:
    """Prometheus metrics of this run on HOST:PORT, read from the Stats at each scrape."""
    from prometheus_client import REGISTRY, start_http_server
    from prometheus_client.core import CounterMetricFamily

    class StatsCollector:
        def collect(self):
            m = CounterMetricFamily("userprofiles_producer_messages", "messages by outcome", labels=["outcome"])
            for outcome in ("sent", "delivered", "failed", "skipped"):
                m.add_metric([outcome], getattr(stats, outcome))
            yield m

    REGISTRY.register(StatsCollector())
    start_http_server(port, addr=host)
    log.info("Prometheus metrics: http://%s:%d/metrics", host, port)


POLL_RESOLUTION_S = 0.001  # librdkafka's poll() timeout is in whole milliseconds


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


def run(settings: ProducerSettings, pages=None) -> Stats:
    """Publish until the source ends, --max-messages, or a signal. `pages` (an iterable of message lists)
    replaces the source of the settings, e.g. records prepared beforehand by the benchmark."""
    if pages is None:
        _, pages, finite = open_source(settings)
    else:
        finite = True
    producer = make_producer(settings)
    check_topic(producer, settings)
    stats = Stats()
    if settings.metrics_port:
        serve_metrics(stats, settings.metrics_port, settings.metrics_host)
    stop = {"now": False}

    def on_signal(signum, _frame):
        log.info("%s received: flushing", signal.Signals(signum).name)
        stop["now"] = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        next_progress = time.monotonic() + settings.progress_seconds
        paced_start = time.monotonic()
        limit = settings.max_messages or float("inf")
        topic = settings.kafka.topic
        for page in pages:
            for key, value in page:
                if stop["now"] or stats.sent >= limit:
                    break
                if not _produce(producer, topic, key, value, stats):
                    continue
                stats.sent += 1
                if settings.rate > 0:  # hold the offered rate: wait until the next message is due
                    due = paced_start + stats.sent / settings.rate
                    # poll()'s timeout counts whole milliseconds: a shorter one is 0 and the loop would spin, so
                    # it waits at least 1 ms; `due` is absolute, so the rate still holds.
                    while (delay := due - time.monotonic()) > 0:
                        producer.poll(max(delay, POLL_RESOLUTION_S))
            producer.poll(0)
            if time.monotonic() >= next_progress:
                log.info("progress: %s", stats.line())
                next_progress = time.monotonic() + settings.progress_seconds
            if stop["now"] or stats.sent >= limit:
                break
            if not finite and settings.pause_seconds > 0 and settings.rate <= 0:
                deadline = time.monotonic() + settings.pause_seconds
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
