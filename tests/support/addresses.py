"""Where the tests reach the services, and as whom. The checks act as the stack's admin (STACK_HOME/secrets/
admin.env): they make and drop each test's topics, keyspaces and grants, and read the stores. The programs under
test run as their own roles (processes.child_env): the consumer as consumer, the producer as producer, the
observers as dashboard, so that a right missing from roles.py fails a test. Settings are read from the
environment exactly as the programs read it (userprofiles/config/options.py): unset, a client address follows
the local stack's port variables (KAFKA_PORT, CASSANDRA_PORT, MONGO_PORT, read by stack/lib.sh too)."""
from __future__ import annotations

import functools
import os
import socket
from urllib.parse import urlparse

from pymongo import MongoClient

from userprofiles.access import secrets
from userprofiles.config.addresses import port
from userprofiles.config.options import consumer_parser, consumer_settings
from userprofiles.config.settings import ConsumerSettings


def role_env(role: str | None, base: dict | None = None) -> dict:
    """BASE (this environment unless given) without any credential, with ROLE's (None: none at all)."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if k not in secrets.CREDENTIAL_VARIABLES}
    return {**env, **secrets.read(role)} if role else env


@functools.cache
def settings_as(role: str) -> ConsumerSettings:
    """The consumer's settings as ROLE's programs would build them here (addresses, names, credentials)."""
    return consumer_settings(consumer_parser(role_env(role)).parse_args([]))


SETTINGS = settings_as("admin")
BOOTSTRAP = SETTINGS.kafka.bootstrap_servers
KAFKA_CONF = SETTINGS.kafka.client_config()         # the admin's librdkafka settings
CASSANDRA_HOSTS = list(SETTINGS.cassandra.hosts)
CASSANDRA_PORT = SETTINGS.cassandra.port
CASSANDRA_LOGIN = (SETTINGS.cassandra.username, SETTINGS.cassandra.password)
MONGO_URI = SETTINGS.mongo.uri                      # the stack's address (the login is SETTINGS.mongo's)
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
        out.append(f"MONGO_URI's port {mongo} is not the stack's FerretDB (MONGO_PORT={MONGO_PORT})")
    return out


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now (for a UI, a proxy, a Spark master)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
