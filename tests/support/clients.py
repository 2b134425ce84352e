"""The real clients the checks read the stores with, as the stack's admin: one Cassandra session and one
MongoDB client per test run (made on first use, closed by close_clients before the interpreter exits, while
the driver's threads can still stop cleanly), and Kafka producing and consuming on BOOTSTRAP."""
from __future__ import annotations

import datetime as dt
import json
import os
import time
import uuid

from .addresses import CASSANDRA_HOSTS, CASSANDRA_LOGIN, CASSANDRA_PORT, KAFKA_CONF, MONGO_URI, SETTINGS

# The chaos checks read at this consistency: LOCAL_ONE (the driver's default) on one node; the cluster
# scenario reads at LOCAL_QUORUM (stack/chaos-cluster.sh sets it).
CHAOS_READ_CONSISTENCY = os.environ.get("CHAOS_READ_CONSISTENCY", "LOCAL_ONE")


def connect_cassandra(resilient: bool = False):
    """A new session on CASSANDRA_HOSTS. RESILIENT: for scenarios that restart Cassandra under it: it
    reconnects every second for ever, waits up to 60 s a request, reads at CHAOS_READ_CONSISTENCY."""
    from cassandra import ConsistencyLevel
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
    from cassandra.policies import ConstantReconnectionPolicy, DCAwareRoundRobinPolicy

    if resilient:
        profile = ExecutionProfile(load_balancing_policy=DCAwareRoundRobinPolicy(), request_timeout=60,
                                   consistency_level=ConsistencyLevel.name_to_value[CHAOS_READ_CONSISTENCY])
        # max_attempts=None: the default gives up on the node after 64 attempts, i.e. for good after a 64 s outage.
        options = {"execution_profiles": {EXEC_PROFILE_DEFAULT: profile}, "connect_timeout": 5,
                   "reconnection_policy": ConstantReconnectionPolicy(1.0, max_attempts=None),
                   "control_connection_timeout": 5}
    else:
        options = {"load_balancing_policy": DCAwareRoundRobinPolicy()}
    return Cluster(CASSANDRA_HOSTS, port=CASSANDRA_PORT, protocol_version=5,
                   auth_provider=PlainTextAuthProvider(*CASSANDRA_LOGIN), **options).connect()


def _mongo():
    from pymongo import MongoClient

    return MongoClient(MONGO_URI, **SETTINGS.mongo.login(), serverSelectionTimeoutMS=10000)


class Shared:
    """A client made on first use and kept: one connection pool per store for the whole run; close() drops
    it (the next call makes a new one, e.g. after the service was restarted)."""

    def __init__(self, make, close):
        self._make, self._close, self._client = make, close, None

    def __call__(self):
        if self._client is None:
            self._client = self._make()
        return self._client

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            self._close(client)


cassandra_session = Shared(connect_cassandra, lambda s: s.cluster.shutdown())
resilient_session = Shared(lambda: connect_cassandra(resilient=True), lambda s: s.cluster.shutdown())
mongo_client = Shared(_mongo, lambda c: c.close())


def close_clients() -> None:
    """Every client of the checks, and those of the package's own that they used (sandbox.mongo())."""
    from userprofiles.sinks import connections

    for shared in (cassandra_session, resilient_session, mongo_client):
        shared.close()
    connections.close_all()


# --- Kafka ---------------------------------------------------------------------------------------------

def kafka_producer(**conf):
    from confluent_kafka import Producer

    return Producer({**KAFKA_CONF, **conf})


def kafka_admin():
    from confluent_kafka.admin import AdminClient

    return AdminClient(KAFKA_CONF)


def produce(topic: str, values, keys=None) -> None:
    """Raw messages (bytes/str/None), keyed as given (None = no key), every one acknowledged by all replicas."""
    p = kafka_producer(**{"enable.idempotence": True, "acks": "all", "linger.ms": 20})
    failures = []
    for i, v in enumerate(values):
        k = keys[i] if keys else None
        while True:
            try:
                p.produce(topic, value=v.encode() if isinstance(v, str) else v, key=k,
                          on_delivery=lambda err, _m: failures.append(err) if err else None)
                break
            except BufferError:  # the client's queue (100,000 messages) is full: wait for deliveries
                p.poll(0.1)
        p.poll(0)
    assert p.flush(60) == 0 and not failures, failures


def consume_all(topic: str, expected: int, timeout: float = 30):
    """Every message of a topic from the start, waiting up to `timeout` for `expected` of them."""
    from confluent_kafka import Consumer

    c = Consumer({**KAFKA_CONF, "group.id": "it-" + uuid.uuid4().hex,
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.subscribe([topic])
    out, deadline = [], time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                if len(out) >= expected:
                    break
                continue
            if m.error():
                continue
            out.append(m)
    finally:
        c.close()
    return out


def watermarks(topic: str, timeout: float = 30) -> dict[int, tuple[int, int]]:
    """partition -> (low, high) offsets of a topic: what it holds, without reading it."""
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({**KAFKA_CONF, "group.id": "it-watermarks"})
    try:
        parts = c.list_topics(topic, timeout=timeout).topics[topic].partitions
        return {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout) for p in parts}
    finally:
        c.close()


def _uuid_of(value: bytes | None) -> str | None:
    try:
        ident = json.loads(value)["login"]["uuid"]
    except Exception:  # not JSON, not an object, no login.uuid: no profile
        return None
    return ident.lower() if isinstance(ident, str) else None


def topic_messages(topic: str, timeout: float = 120) -> list:
    """Every message the topic holds now (up to its partitions' end offsets when called), by assignment (no
    group to join): returns as soon as each partition is read to its end, where a subscription would wait
    for a timeout to know that nothing more comes."""
    from confluent_kafka import Consumer, TopicPartition

    spans = {p: (lo, hi) for p, (lo, hi) in watermarks(topic).items() if hi > lo}
    ends = {p: hi for p, (_lo, hi) in spans.items()}
    c = Consumer({**KAFKA_CONF, "group.id": "it-read", "enable.auto.commit": False})
    c.assign([TopicPartition(topic, p, lo) for p, (lo, _hi) in spans.items()])
    out = []
    deadline = time.monotonic() + timeout
    try:
        while ends and time.monotonic() < deadline:
            for m in c.consume(1000, 1.0):
                if m.error() or m.offset() >= ends.get(m.partition(), 0):
                    continue
                out.append(m)
                if m.offset() == ends[m.partition()] - 1:
                    ends.pop(m.partition())
    finally:
        c.close()
    assert not ends, f"{topic}: partitions {sorted(ends)} not read to their end in {timeout} s"
    return out


def message_days(topic: str, timeout: float = 120) -> dict[str, dt.date]:
    """uuid (lower case) -> the UTC day of the Kafka timestamp of its latest copy in the topic (the latest by
    (timestamp, partition, offset), as in the consumer): the day on which the consumer computes that
    profile's age. Reads every message the topic holds now."""
    from tests.reference import utc_day

    latest: dict[str, tuple[int, int, int]] = {}
    for m in topic_messages(topic, timeout):
        ident = _uuid_of(m.value())
        version = (m.timestamp()[1], m.partition(), m.offset())
        if ident and version > latest.get(ident, (-1, -1, -1)):
            latest[ident] = version
    return {ident: utc_day(v[0]) for ident, v in latest.items()}


def records_in(topic: str) -> int:
    """The messages a topic holds (what its partitions' offsets span)."""
    return sum(hi - lo for lo, hi in watermarks(topic).values())
