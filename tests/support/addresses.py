"""Where the tests reach the services: the consumer's own settings, read from the environment exactly as
consumer_spark.py reads it (userprofiles/config/options.py), so the tests talk to what the programs talk to. Unset,
a client address follows the local stack's port variable (KAFKA_PORT, CASSANDRA_PORT, MONGO_PORT, read by
stack/lib.sh too): the services `make up` started and that the chaos scenarios stop."""
from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

from pymongo import MongoClient

from userprofiles.config.addresses import port
from userprofiles.config.options import consumer_parser, consumer_settings

SETTINGS = consumer_settings(consumer_parser().parse_args([]))
BOOTSTRAP = SETTINGS.kafka.bootstrap_servers
CASSANDRA_HOSTS = list(SETTINGS.cassandra.hosts)
CASSANDRA_PORT = SETTINGS.cassandra.port
MONGO_URI = SETTINGS.mongo.uri
# The ports the stack scripts manage (stack/ports.env, unless moved by the same variables).
KAFKA_PORT = port("KAFKA_PORT")
MONGO_PORT = port("MONGO_PORT")
# make up NODES=3 (stack/cluster.sh env): topics replicated like the stack's.
TOPIC_RF = int(os.environ.get("KAFKA_REPLICATION_FACTOR", "1"))
TOPIC_MIN_ISR = int(os.environ.get("KAFKA_MIN_ISR", "1"))


def not_the_stacks() -> list[str]:
    """The client addresses set to point elsewhere than the stack's ports: a scenario that stops a service of
    the stack would then not stop the one the tests talk to."""
    out = []
    kafka = int(BOOTSTRAP.split(",")[0].rsplit(":", 1)[1])
    if kafka != KAFKA_PORT:
        out.append(f"KAFKA_BOOTSTRAP_SERVERS={BOOTSTRAP} is not the stack's Kafka (KAFKA_PORT={KAFKA_PORT})")
    mongo = urlparse(MONGO_URI).port or MongoClient.PORT   # a URI without a port means MongoDB's default
    if mongo != MONGO_PORT:
        out.append(f"MONGO_URI={MONGO_URI} is not the stack's FerretDB (MONGO_PORT={MONGO_PORT})")
    return out


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now (for a UI, a proxy, a Spark master)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
