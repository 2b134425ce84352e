"""A service that refuses a program's credentials, said in one line: which service, which user, and where the
right credentials are (the local stack's role file). The programs' start-up checks use these, so that a wrong
password is never a stack trace nor a wait for a timeout."""
from __future__ import annotations

import logging
import time

from userprofiles.access import secrets


class AccessRefused(RuntimeError):
    """A service refused the credentials (or their absence); the text is the whole one-line error."""


def role_file_hint(role: str) -> str:
    """Where ROLE's credentials are, as the fix of a refusal names them."""
    return f"the local stack's are in {secrets.path(role)} (make up writes it; stack/role.sh {role} CMD loads it)"


def refused(service: str, address: str, user: str, role: str, variables: str) -> AccessRefused:
    who = f"the user '{user}'" if user else "a client without a user and password"
    return AccessRefused(f"{service} at {address} refused {who}; set {variables}: {role_file_hint(role)}")


# --- Kafka ---------------------------------------------------------------------------------------------------
KAFKA_VARIABLES = "KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"


def kafka_metadata(conf: dict, *, role: str, wait: float, topic: str | None = None):
    """The cluster's metadata (of TOPIC only, when given) through an admin client of CONF (librdkafka settings),
    waiting up to WAIT seconds for the brokers. AccessRefused when they refuse the credentials (librdkafka says
    so ~0.3 s after connecting, and would otherwise keep trying until the timeout); TimeoutError when no broker
    answers, with a hint when CONF has no credentials (a broker that asks for them closes such a connection)."""
    from confluent_kafka import KafkaError, KafkaException
    from confluent_kafka.admin import AdminClient

    refusals: list = []
    quiet = logging.getLogger("librdkafka")
    quiet.setLevel(logging.CRITICAL)
    admin = AdminClient({**conf, "socket.timeout.ms": int(max(wait, 1) * 1000), "logger": quiet,
                         "error_cb": lambda e: refusals.append(e) if e.code() == KafkaError._AUTHENTICATION else None})
    deadline = time.monotonic() + wait
    address, user = conf.get("bootstrap.servers", ""), conf.get("sasl.username", "")
    while True:
        try:
            return admin.list_topics(topic, timeout=max(0.2, min(1.0, deadline - time.monotonic())))
        except KafkaException as exc:
            admin.poll(0)   # error_cb runs here
            if refusals:
                raise refused("Kafka", address, user, role, KAFKA_VARIABLES) from None
            if time.monotonic() >= deadline:
                hint = (f"; if it asks for a login, set {KAFKA_VARIABLES}: {role_file_hint(role)}"
                        if "security.protocol" not in conf else "")
                raise TimeoutError(f"{exc.args[0].str()}{hint}") from None


# --- Cassandra -----------------------------------------------------------------------------------------------
CASSANDRA_VARIABLES = "CASSANDRA_USERNAME and CASSANDRA_PASSWORD"


def login_refused(exc: BaseException) -> bool:
    """True when EXC (the driver's; NoHostAvailable carries one error per host) is Cassandra refusing a login."""
    from cassandra import AuthenticationFailed

    return any(isinstance(e, AuthenticationFailed) for e in (exc, *(getattr(exc, "errors", {}) or {}).values()))


def cassandra_refusal(exc: BaseException, *, address: str, user: str, role: str) -> AccessRefused | None:
    """The one-line refusal when EXC (the driver's) is Cassandra refusing the login, else None."""
    return refused("Cassandra", address, user, role, CASSANDRA_VARIABLES) if login_refused(exc) else None


# --- MongoDB -------------------------------------------------------------------------------------------------
AUTHENTICATION_FAILED, UNAUTHORIZED = 18, 13


def mongo_refusal(exc: BaseException, *, address: str, user: str, role: str) -> AccessRefused | None:
    """The one-line refusal when EXC (pymongo's) is the server refusing the login or an anonymous client."""
    from pymongo.errors import OperationFailure

    if isinstance(exc, OperationFailure) and exc.code in (AUTHENTICATION_FAILED, UNAUTHORIZED):
        return refused("MongoDB", address, user, role, "MONGO_USERNAME and MONGO_PASSWORD")
    return None
