"""Where the stores are: the same environment variables and defaults as the consumer's flags, so that
`make status`, `make dlq` and the dashboard look at what the consumer writes."""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field

from ..config import STACK_HOME, env


@dataclass(frozen=True)
class ObserveConf:
    bootstrap_servers: str = "127.0.0.1:9092"
    topic: str = "users_profiles"
    dlq_topic: str = "users_profiles_dlq"
    cassandra_hosts: str = "127.0.0.1"
    cassandra_port: int = 9042
    keyspace: str = "usersprofilespace"
    table: str = "users_profiles"
    mongo_uri: str = "mongodb://127.0.0.1:27017/"
    mongo_db: str = "users_profiles_analytics"
    checkpoint: str = str(STACK_HOME / "checkpoints" / "consumer")
    # Seconds to wait for one store: a status that hangs on a dead service is worse than one that says so.
    timeout: float = 3.0
    # Above this many rows (as estimated from Cassandra's table statistics) the row count is that estimate:
    # SELECT count(*) reads the whole table.
    exact_count_limit: int = 500_000
    # Credentials come from the environment only, like the consumer's.
    cassandra_username: str = field(default="", repr=False)
    cassandra_password: str = field(default="", repr=False)
    kafka_security_protocol: str = ""
    kafka_sasl_mechanism: str = "PLAIN"
    kafka_sasl_username: str = field(default="", repr=False)
    kafka_sasl_password: str = field(default="", repr=False)

    def kafka_config(self) -> dict:
        from ..config import kafka_client_config

        return kafka_client_config(argparse.Namespace(**{k: getattr(self, k) for k in (
            "bootstrap_servers", "kafka_security_protocol", "kafka_sasl_mechanism", "kafka_sasl_username",
            "kafka_sasl_password")}))

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> "ObserveConf":
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in vars(args).items() if k in names})


def add_arguments(p: argparse.ArgumentParser) -> None:
    d = ObserveConf()
    flags = (
        ("--bootstrap-servers", "KAFKA_BOOTSTRAP_SERVERS", d.bootstrap_servers, "Kafka bootstrap servers"),
        ("--topic", "KAFKA_TOPIC", d.topic, "topic of the user records"),
        ("--dlq-topic", "KAFKA_DLQ_TOPIC", d.dlq_topic, "dead-letter topic"),
        ("--cassandra-hosts", "CASSANDRA_HOSTS", d.cassandra_hosts, "comma list of Cassandra contact points"),
        ("--cassandra-port", "CASSANDRA_PORT", d.cassandra_port, "Cassandra CQL port"),
        ("--keyspace", "CASSANDRA_KEYSPACE", d.keyspace, "Cassandra keyspace"),
        ("--table", "CASSANDRA_TABLE", d.table, "Cassandra table"),
        ("--mongo-uri", "MONGO_URI", d.mongo_uri, "MongoDB URI; may carry user:password"),
        ("--mongo-db", "MONGO_DB", d.mongo_db, "MongoDB database of the analytics"),
        ("--checkpoint", "CHECKPOINT_DIR", d.checkpoint, "the consumer's checkpoint folder (committed offsets)"),
        ("--timeout", "OBSERVE_TIMEOUT", d.timeout, "seconds to wait for each store"),
        ("--exact-count-limit", "OBSERVE_EXACT_COUNT_LIMIT", d.exact_count_limit,
         "above this many rows (Cassandra's estimate), the row count is the estimate, not SELECT count(*)"),
    )
    for flag, var, default, text in flags:
        p.add_argument(flag, type=type(default), default=env(var, default), help=f"{text} (env {var})")
    p.set_defaults(cassandra_username=env("CASSANDRA_USERNAME", ""), cassandra_password=env("CASSANDRA_PASSWORD", ""),
                   kafka_security_protocol=env("KAFKA_SECURITY_PROTOCOL", ""),
                   kafka_sasl_mechanism=env("KAFKA_SASL_MECHANISM", "PLAIN"),
                   kafka_sasl_username=env("KAFKA_SASL_USERNAME", ""),
                   kafka_sasl_password=env("KAFKA_SASL_PASSWORD", ""))


def redact_uri(uri: str) -> str:
    """mongodb://user:secret@host/ -> mongodb://user:***@host/ (addresses are shown; passwords never)."""
    if "@" in uri and "://" in uri:
        scheme, rest = uri.split("://", 1)
        cred, host = rest.rsplit("@", 1)
        return f"{scheme}://{cred.split(':', 1)[0]}:***@{host}"
    return uri
