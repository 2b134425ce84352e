"""Start-up checks of the consumer: each service and folder it needs, with a one-line error naming the
cause and the fix, within seconds, before Spark starts (Spark would otherwise wait forever on a topic
that does not exist, or fail in the first batch with a wall of Java)."""
from __future__ import annotations

import uuid
from pathlib import Path

from .config import kafka_client_config
from .sinks import cassandra, mongo


class PreflightError(RuntimeError):
    pass


def check_kafka(args) -> None:
    from confluent_kafka.admin import AdminClient

    conf = kafka_client_config(args)
    conf.update({"socket.timeout.ms": int(args.preflight_timeout * 1000), "logger": _quiet_logger()})
    try:
        md = AdminClient(conf).list_topics(timeout=args.preflight_timeout)
    except Exception as exc:
        raise PreflightError(f"Kafka at {args.bootstrap_servers} is unreachable ({_short(exc)}); start it "
                             f"(make up) or fix --bootstrap-servers / KAFKA_BOOTSTRAP_SERVERS.") from None
    for topic, flag in ((args.topic, "--topic"), (getattr(args, "dlq_topic", None), "--dlq-topic")):
        if topic and topic not in md.topics:
            raise PreflightError(f"Kafka topic '{topic}' does not exist on {args.bootstrap_servers}; create it "
                                 f"(make up creates users_profiles and users_profiles_dlq) or fix {flag}.")


def check_cassandra(args) -> None:
    import logging

    conf = cassandra.CassandraConf.from_args(args)
    # The driver logs each failed connection with its traceback; the one-line error below says it all.
    driver_log = logging.getLogger("cassandra")
    level = driver_log.level
    driver_log.setLevel(logging.CRITICAL)
    try:
        cassandra.ensure_schema(conf, args.replication, getattr(args, "replication_factor", 1))
        # AUTO becomes the level itself here, once, so that every executor writes at the same level.
        if hasattr(args, "consistency"):
            args.consistency = cassandra.resolve_consistency(conf)  # logged by the consumer once every check passed
    except Exception as exc:
        raise PreflightError(f"Cassandra at {args.cassandra_hosts}:{args.cassandra_port} is unusable "
                             f"({_short(exc)}); start it (make up) or fix --cassandra-hosts / CASSANDRA_HOSTS "
                             f"and --cassandra-port / CASSANDRA_PORT (and CASSANDRA_USERNAME/CASSANDRA_PASSWORD "
                             f"if it needs them).") from None
    finally:
        driver_log.setLevel(level)


def check_mongo(args) -> None:
    conf = mongo.MongoConf.from_args(args)
    try:
        mongo.ping(conf)
    except Exception as exc:
        raise PreflightError(f"MongoDB at {_redact_uri(args.mongo_uri)} is unreachable ({_short(exc)}); start it "
                             f"(make up) or fix --mongo-uri / MONGO_URI.") from None


def check_checkpoint(args) -> None:
    path = Path(args.checkpoint)
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-test-{uuid.uuid4().hex}"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise PreflightError(f"checkpoint folder {path} is not writable ({exc.strerror}); give this user write "
                             f"access or choose another with --checkpoint / CHECKPOINT_DIR.") from None


def run_all(args) -> None:
    check_checkpoint(args)
    check_kafka(args)
    check_cassandra(args)
    check_mongo(args)


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:160]}"


def _redact_uri(uri: str) -> str:
    # mongodb://user:secret@host -> mongodb://user:***@host
    if "@" in uri and "://" in uri:
        scheme, rest = uri.split("://", 1)
        cred, host = rest.rsplit("@", 1)
        user = cred.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return uri


def _quiet_logger():
    import logging

    lg = logging.getLogger("librdkafka")
    lg.setLevel(logging.CRITICAL)
    return lg


