"""producer.py --rate: no message leaves before its due time, even when delivery reports wake poll() early, and
the pacing never spins."""
import time

from userprofiles.config.options import producer_parser, producer_settings
from userprofiles.producer import loop


class EarlyWakingProducer:
    """Kafka's client as the pacing sees it: poll() returns after ~1 ms, as it does when a delivery
    report arrives, whatever timeout it was given."""

    def __init__(self):
        self.sent_at = []
        self.timeouts = []

    def produce(self, topic, value=None, key=None, on_delivery=None):
        self.sent_at.append(time.monotonic())
        if on_delivery:
            on_delivery(None, None)

    def poll(self, timeout=0):
        self.timeouts.append(timeout)
        time.sleep(min(timeout, 0.001))
        return 1

    def flush(self, timeout=0):
        return 0


def paced_run(monkeypatch, rate: int, messages: int) -> tuple[EarlyWakingProducer, float]:
    """loop.run at --rate RATE over MESSAGES messages on the early-waking client; the client and the start."""
    fake = EarlyWakingProducer()
    monkeypatch.setattr(loop, "make_producer", lambda settings: fake)
    monkeypatch.setattr(loop, "check_topic", lambda producer, settings: None)
    settings = producer_settings(producer_parser().parse_args(["--rate", str(rate), "--progress-seconds", "3600"]))
    start = time.monotonic()
    loop.run(settings, pages=[[(b"k", b"{}")] * messages])
    return fake, start


def test_the_offered_rate_is_held_when_poll_returns_early(monkeypatch):
    fake, start = paced_run(monkeypatch, rate=100, messages=20)
    assert len(fake.sent_at) == 20
    # Message k (from 0) is due k/rate after the start: none may leave before it.
    early = [k for k, t in enumerate(fake.sent_at) if t - start < k / 100 - 0.002]
    assert early == []


def test_a_message_due_in_less_than_a_millisecond_is_waited_for_without_spinning(monkeypatch):
    """At 2,000 msg/s a message is due every 0.5 ms. Kafka's client counts poll()'s timeout in whole
    milliseconds, so a 0.5 ms timeout returns at once: the pacing must never ask for less than 1 ms, and the
    rate still holds on average."""
    fake, start = paced_run(monkeypatch, rate=2000, messages=400)
    paced = [t for t in fake.timeouts if t > 0]
    assert paced and min(paced) >= loop.POLL_RESOLUTION_S
    assert len(paced) <= 400  # at most one wait per message, not a spin of polls
    assert time.monotonic() - start >= 399 / 2000
