"""The soak's faults and their seeded rotation: what is done, to whom, and when (pure: no process is touched
here; soak/faults.py carries them out)."""
from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    """A fault of the rotation. TARGET is the service or program it hits (kafka, cassandra, ferretdb, consumer,
    producer); RESTARTS_CONSUMER when the consumer is ended and started again by the fault itself."""
    name: str
    what: str
    target: str
    restarts_consumer: bool = False


# The rotation, in a fixed order that the seed shuffles. On a cluster (NODES > 1) a Kafka or
# Cassandra fault hits one broker or node, a different one each time.
FAULTS = (
    Fault("consumer-kill", "consumer SIGKILL (its whole session), started again at once", "consumer", True),
    Fault("consumer-term", "consumer SIGTERM, started again once it has stopped", "consumer", True),
    Fault("consumer-stop", "consumer SIGSTOP for 20 s, then SIGCONT", "consumer"),
    Fault("kafka-kill", "Kafka kill -9, down 30 s, started again", "kafka"),
    Fault("cassandra-kill", "Cassandra kill -9, down 30 s, started again", "cassandra"),
    Fault("ferretdb-stop", "FerretDB stopped for 30 s", "ferretdb"),
    Fault("producer-kill", "producer SIGKILL, started again at once", "producer"),
    Fault("kafka-restart", "Kafka clean restart (SIGTERM, then start)", "kafka"),
)
BY_NAME = {f.name: f for f in FAULTS}


@dataclass(frozen=True)
class Slot:
    at_s: float     # seconds after the soak's start
    fault: Fault
    node: int = 1   # the broker or node hit, on a cluster


def slots(minutes: float, fault_minutes: float) -> list[float]:
    """When the faults fall, in seconds: every FAULT_MINUTES, the last one at least FAULT_MINUTES before the
    end, so that the pipeline has as long to recover from it as from the others before the drain."""
    out, k = [], 1
    while k * fault_minutes <= minutes - fault_minutes + 1e-9:
        out.append(k * fault_minutes * 60)
        k += 1
    return out


def longest_stretch(restarts_s: list[float], end_s: float) -> float:
    """The longest time between two consumer starts (the first at 0) or the last start and END_S."""
    points = [0.0, *sorted(restarts_s), end_s]
    return max(b - a for a, b in zip(points, points[1:], strict=False))


def rotation(minutes: float, fault_minutes: float, seed: int | str, nodes: int = 1,
             min_stretch_minutes: float = 20.0, only: tuple[str, ...] = ()) -> list[Slot]:
    """The faults of a soak of MINUTES, one every FAULT_MINUTES in an order drawn with SEED (every fault once
    before any comes again), such that the consumer keeps a stretch of MIN_STRETCH_MINUTES (or a third of the
    run, when shorter) without a planned restart. ONLY: these faults alone (a short soak). ValueError when no
    order leaves such a stretch."""
    times = slots(minutes, fault_minutes)
    pool = [BY_NAME[n] for n in only] if only else list(FAULTS)
    need_s = min(min_stretch_minutes, minutes / 3) * 60
    rng = random.Random(f"soak-{seed}")
    for _ in range(1000):
        order: list[Fault] = []
        while len(order) < len(times):
            rnd = pool[:]
            rng.shuffle(rnd)
            order += rnd
        order = order[:len(times)]
        restarts = [t for t, f in zip(times, order, strict=True) if f.restarts_consumer]
        if longest_stretch(restarts, minutes * 60) >= need_s:
            break
    else:
        raise ValueError(f"no order of the faults leaves the consumer {need_s / 60:.0f} minutes without a restart "
                         f"in {minutes} minutes; give the soak more minutes or fewer faults")
    hits: dict[str, int] = {}
    out = []
    for t, f in zip(times, order, strict=True):
        n = hits.get(f.target, 0)
        hits[f.target] = n + 1
        # On a cluster, each fault of a service hits the next broker or node: node 2 first, as chaos-cluster.
        node = 1 + (n + 1) % nodes if nodes > 1 and f.target in ("kafka", "cassandra") else 1
        out.append(Slot(t, f, node))
    return out
