"""Start-up checks of the consumer: each service and folder it needs, with a one-line error naming the
cause and the fix, within seconds, before Spark starts (Spark would otherwise wait forever on a topic
that does not exist, or fail in the first micro-batch with a wall of Java)."""
from __future__ import annotations

import logging
import uuid
from pathlib import Path

from userprofiles.access import refusals
from userprofiles.config.errors import short
from userprofiles.config.settings import ConsumerSettings, redact_uri
from userprofiles.sinks import cassandra, cassandra_schema, mongo

ROLE = "consumer"   # whose credentials the consumer is given (userprofiles/access/roles.py)


class PreflightError(RuntimeError):
    pass


def check_kafka(settings: ConsumerSettings) -> None:
    kafka, wait = settings.kafka, settings.connect_timeout
    try:
        md = refusals.kafka_metadata(kafka.client_config(), role=ROLE, wait=wait)
    except refusals.AccessRefused as exc:
        raise PreflightError(str(exc)) from None
    except Exception as exc:
        raise PreflightError(f"Kafka at {kafka.bootstrap_servers} is unreachable ({short(exc, 400)}); start it "
                             f"(make up) or fix --bootstrap-servers / KAFKA_BOOTSTRAP_SERVERS.") from None
    for topic, flag in ((kafka.topic, "--topic"), (kafka.dlq_topic, "--dlq-topic")):
        if topic not in md.topics:
            raise PreflightError(f"Kafka topic '{topic}' does not exist on {kafka.bootstrap_servers}, or the user "
                                 f"'{kafka.sasl_username}' may not see it; create it and grant the consumer's ACLs "
                                 f"(make up does, for users_profiles and users_profiles_dlq) or fix {flag}.")


def check_cassandra(settings: ConsumerSettings) -> str:
    """Create the keyspace and table when missing (where the role may); returns the consistency level of the
    writes."""
    # The driver logs each failed connection with its traceback; the one-line error below says it all.
    driver_log = logging.getLogger("cassandra")
    level = driver_log.level
    driver_log.setLevel(logging.CRITICAL)
    c = settings.cassandra
    try:
        return cassandra.ensure_schema(c)
    except cassandra_schema.SchemaRefused as exc:
        raise PreflightError(str(exc)) from None
    except Exception as exc:
        refusal = refusals.cassandra_refusal(exc, address=c.address, user=c.username, role=ROLE)
        if refusal:
            raise PreflightError(str(refusal)) from None
        raise PreflightError(f"Cassandra at {c.address} is unusable ({short(exc)}); start it (make up) or fix "
                             f"--cassandra-hosts / CASSANDRA_HOSTS and --cassandra-port / CASSANDRA_PORT.") from None
    finally:
        driver_log.setLevel(level)


def check_mongo(settings: ConsumerSettings) -> None:
    m = settings.mongo
    try:
        mongo.ping(m)
    except Exception as exc:
        refusal = refusals.mongo_refusal(exc, address=redact_uri(m.uri), user=m.user, role=ROLE)
        if refusal:
            raise PreflightError(str(refusal)) from None
        raise PreflightError(f"MongoDB at {redact_uri(m.uri)} is unreachable ({short(exc)}); start it (make up) or "
                             f"fix --mongo-uri / MONGO_URI.") from None


def check_checkpoint(settings: ConsumerSettings) -> None:
    path = Path(settings.stream.checkpoint_dir)
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-test-{uuid.uuid4().hex}"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise PreflightError(f"checkpoint folder {path} is not writable ({exc.strerror}); give this user write "
                             f"access or choose another with --checkpoint / SPARK_CHECKPOINT_DIR.") from None


def check_jvm_piece() -> None:
    from userprofiles.consumer import jvm

    if not jvm.installed():
        raise PreflightError(jvm.MISSING)


def run_all(settings: ConsumerSettings) -> str:
    """Every check, in order; returns the consistency level the Cassandra writes will use."""
    check_jvm_piece()
    check_checkpoint(settings)
    check_kafka(settings)
    consistency = check_cassandra(settings)
    check_mongo(settings)
    return consistency

