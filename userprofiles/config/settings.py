"""The typed settings of the programs: frozen dataclasses, one per service or program. An entry point
builds them once from its flags and environment (options.py, the one table of every option) and passes
them on; nothing below the entry point sees the command line."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from userprofiles.config import addresses

# Cassandra's consistency levels a write may ask for (cassandra.ConsistencyLevel), and AUTO.
CONSISTENCY_CHOICES = ("AUTO", "ANY", "ONE", "TWO", "THREE", "QUORUM", "LOCAL_QUORUM", "EACH_QUORUM", "ALL",
                       "LOCAL_ONE")
# The logging levels a program takes (--log-level, LOG_LEVEL), and the producer's codecs (librdkafka's
# compression.type).
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
CODECS = ("none", "gzip", "snappy", "lz4", "zstd")
# One default for the fields that one option fills in several sections (options.py).
CONNECT_TIMEOUT = 10.0
RETRY_SECONDS = 120.0
LOG_LEVEL = "INFO"
# The serialised size of an unlogged CQL batch of rows at most: under Cassandra's batch_size_fail_threshold
# (50 KiB by default), with room for the cells' own overhead that the consumer's estimate may miss.
CQL_BATCH_MAX_BYTES = 40_000


# --- the settings ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class KafkaSettings:
    """Where the records are. Secrets (SASL) come from the environment only, so they never show in `ps`."""
    bootstrap_servers: str = field(default_factory=addresses.kafka_bootstrap)
    topic: str = field(default_factory=lambda: addresses.default_names()["KAFKA_TOPIC"])
    dlq_topic: str = field(default_factory=lambda: addresses.default_names()["KAFKA_DLQ_TOPIC"])
    security_protocol: str = ""
    sasl_mechanism: str = "PLAIN"
    sasl_username: str = field(default="", repr=False)
    sasl_password: str = field(default="", repr=False)

    def client_config(self) -> dict:
        """librdkafka settings shared by the producer, the dead-letter sender and the admin clients."""
        # librdkafka leaves Nagle's algorithm on; a small request could then wait for the broker's delayed ACK.
        conf = {"bootstrap.servers": self.bootstrap_servers, "socket.nagle.disable": True}
        if self.security_protocol:
            conf["security.protocol"] = self.security_protocol
            if self.sasl_username:
                conf.update({"sasl.mechanism": self.sasl_mechanism, "sasl.username": self.sasl_username,
                             "sasl.password": self.sasl_password})
        return conf

    def spark_options(self) -> dict:
        """The same settings for Spark's Kafka source (the Java client's names, prefixed with kafka.)."""
        opts = {"kafka.bootstrap.servers": self.bootstrap_servers}
        if self.security_protocol:
            opts["kafka.security.protocol"] = self.security_protocol
            if self.sasl_username:
                module = ("org.apache.kafka.common.security.scram.ScramLoginModule"
                          if self.sasl_mechanism.startswith("SCRAM") else
                          "org.apache.kafka.common.security.plain.PlainLoginModule")
                opts["kafka.sasl.mechanism"] = self.sasl_mechanism
                opts["kafka.sasl.jaas.config"] = (f'{module} required username="{self.sasl_username}" '
                                                  f'password="{self.sasl_password}";')
        return opts


@dataclass(frozen=True)
class CassandraSettings:
    """The profiles table, and how the consumer writes it."""
    hosts: tuple[str, ...] = ("127.0.0.1",)
    port: int = field(default_factory=addresses.cassandra_port)
    keyspace: str = field(default_factory=lambda: addresses.schema_table()[0])
    table: str = field(default_factory=lambda: addresses.schema_table()[1])
    username: str = field(default="", repr=False)
    password: str = field(default="", repr=False)
    replication_factor: int = 1
    replication: str = ""
    # A cassandra.ConsistencyLevel name, or AUTO (chosen from the keyspace's replication at start-up).
    consistency: str = "AUTO"
    concurrency: int = 16
    rows_per_cql_batch: int = 50
    connect_timeout: float = CONNECT_TIMEOUT
    retry_seconds: float = RETRY_SECONDS

    @property
    def address(self) -> str:
        return f"{','.join(self.hosts)}:{self.port}"


@dataclass(frozen=True)
class MongoSettings:
    """The analytics database. The login is its own pair of variables, as Kafka's and Cassandra's are, so that
    the address (MONGO_URI) may change without it and never shows a password; a URI with user:password works
    too."""
    uri: str = field(default_factory=addresses.mongo_uri)
    db: str = field(default_factory=lambda: addresses.default_names()["MONGO_DB"])
    username: str = field(default="", repr=False)
    password: str = field(default="", repr=False)
    connect_timeout: float = CONNECT_TIMEOUT
    retry_seconds: float = RETRY_SECONDS

    def login(self) -> dict:
        """pymongo's keyword arguments of the login (the users of the stack are the admin database's)."""
        if not self.username:
            return {}
        return {"username": self.username, "password": self.password,
                **({} if "authsource=" in self.uri.lower() else {"authSource": "admin"})}

    @property
    def user(self) -> str:
        return self.username or uri_user(self.uri)


@dataclass(frozen=True)
class StreamSettings:
    """The Structured Streaming query: how it reads Kafka, how micro-batches are triggered and run."""
    checkpoint_dir: str = field(default_factory=addresses.default_checkpoint)
    # The query's name in Spark's UI, and the Kafka consumer group its offsets are committed to (for watching).
    query_name: str = field(default_factory=lambda: addresses.default_names()["SPARK_QUERY_NAME"])
    starting_offsets: str = "earliest"
    max_offsets_per_trigger: int = 100_000
    trigger_seconds: float = 0.0
    idle_poll_ms: int = 100
    available_now: bool = False
    master: str = ""
    kafka_fetch_wait_ms: int = 10
    state_partitions: int = 2
    ui: bool = True
    ui_port: int = field(default_factory=lambda: addresses.port("SPARK_UI_PORT"))


@dataclass(frozen=True)
class ProgramSettings:
    """What the producer and the consumer both have: where their Prometheus metrics listen, and their logging."""
    metrics_port: int = 0
    metrics_host: str = "127.0.0.1"
    log_level: str = LOG_LEVEL


@dataclass(frozen=True)
class ConsumerSettings(ProgramSettings):
    kafka: KafkaSettings = field(default_factory=KafkaSettings)
    cassandra: CassandraSettings = field(default_factory=CassandraSettings)
    mongo: MongoSettings = field(default_factory=MongoSettings)
    stream: StreamSettings = field(default_factory=StreamSettings)
    connect_timeout: float = CONNECT_TIMEOUT
    sink_retry_seconds: float = RETRY_SECONDS
    # The sections that sinks declare for themselves (a sink's Settings, by its section's name).
    sinks: Mapping[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> Any:
        """The settings section NAME: a service's (kafka, cassandra, mongo, stream) or a sink's own."""
        return getattr(self, name) if name in ("kafka", "cassandra", "mongo", "stream") else self.sinks[name]


@dataclass(frozen=True)
class ProducerSettings(ProgramSettings):
    kafka: KafkaSettings = field(default_factory=KafkaSettings)
    source: str = "api"
    api_url: str = "https://randomuser.me/api/"
    api_timeout: float = 10.0
    api_retries: int = 5
    nat: str = ""
    seed: str = ""
    population: int = 0
    changed_share: float = 0.05
    messages_per_iteration: int = 10
    pause_seconds: float = 5.0
    max_messages: int = 0
    rate: float = 0.0
    progress_seconds: float = 5.0
    linger_ms: int = 20
    compression: str = "lz4"
    keep_login_secrets: bool = False


@dataclass(frozen=True)
class ObserveSettings:
    """What `make status`, `make dlq` and the dashboard look at: the stores the consumer writes."""
    kafka: KafkaSettings = field(default_factory=KafkaSettings)
    cassandra: CassandraSettings = field(default_factory=CassandraSettings)
    mongo: MongoSettings = field(default_factory=MongoSettings)
    checkpoint_dir: str = field(default_factory=addresses.default_checkpoint)
    # The consumer's query name, the group its offsets are in.
    consumer_group: str = field(default_factory=lambda: addresses.default_names()["SPARK_QUERY_NAME"])
    # Seconds to wait for one store: a status that hangs on a dead service is worse than one that says so.
    timeout: float = 3.0
    # Above this many rows (Cassandra's own estimate) the row count is that estimate: count(*) reads the table.
    exact_count_limit: int = 500_000
    log_level: str = LOG_LEVEL


def redact_uri(uri: str) -> str:
    """mongodb://user:secret@host/ -> mongodb://user:***@host/ (addresses are shown; passwords never)."""
    if "@" in uri and "://" in uri:
        scheme, rest = uri.split("://", 1)
        cred, host = rest.rsplit("@", 1)
        return f"{scheme}://{cred.split(':', 1)[0]}:***@{host}"
    return uri


def uri_user(uri: str) -> str:
    """The user of a mongodb:// URI ("" without one)."""
    from urllib.parse import unquote, urlparse

    return unquote(urlparse(uri).username or "")


def uri_address(uri: str) -> str:
    """host:port of a mongodb:// URI, for a line that names the server (no user, no password)."""
    from urllib.parse import urlparse

    return urlparse(uri).netloc.rsplit("@", 1)[-1] or uri
