"""Every option of the programs, in one table: its flag, environment variable, default, help, and the
settings field it fills (settings.py). An entry point parses its flags with `parser(...)` and builds its
typed settings with `consumer_settings(args)` (or the producer's, the observers'): one hop from the command
line to the field that is used.

Environment variables are named SECTION_SETTING: KAFKA_, CASSANDRA_, MONGO_, SPARK_, PRODUCER_, CONSUMER_,
RANDOMUSER_ (the API source), OBSERVE_ and DASHBOARD_, and LOG_LEVEL for every program. Older names are read
as aliases; NUM_MESSAGES_PER_ITERATION and PAUSE_INTERVAL_SECONDS are the names of the first version.

The local stack's ports (KAFKA_PORT, CASSANDRA_PORT, MONGO_PORT, read by stack/lib.sh too) give the clients'
default addresses, so a stack moved to other ports is found without setting anything else.
"""
from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from userprofiles.config.helpformat import DefaultsHelpFormatter
from userprofiles.config.settings import (
    CODECS,
    CONSISTENCY_CHOICES,
    LOG_LEVELS,
    CassandraSettings,
    ConsumerSettings,
    KafkaSettings,
    MongoSettings,
    ObserveSettings,
    ProducerSettings,
    StreamSettings,
    stack_home,
)

SECTIONS = ("KAFKA", "CASSANDRA", "MONGO", "SPARK", "PRODUCER", "CONSUMER", "RANDOMUSER", "OBSERVE", "DASHBOARD",
            "BENCH")


@dataclass(frozen=True)
class Option:
    """One setting: its flag (None: environment only), variable, default, help, and the fields it fills
    ("section.field", or a plain field of the program's own settings)."""
    flag: str | None
    env: str
    default: Any
    help: str
    fills: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    convert: Callable[[str], Any] | None = None
    choices: Sequence[str] | None = None
    minimum: float | None = None     # the smallest value allowed
    maximum: float | None = None     # the largest value allowed
    above: float | None = None       # values must be more than this (a timeout of 0 is no timeout)

    @property
    def dest(self) -> str:
        return self.fills[0].replace(".", "__")


class Refused(ValueError):
    """A value of the right type that its option does not take; the text says why, after the value."""


def _hosts(text: str) -> tuple[str, ...]:
    return tuple(h.strip() for h in text.split(",") if h.strip())


def _source(text: str) -> str:
    if text in ("api", "synthetic", "auto") or (text.startswith("file:") and len(text) > 5):
        return text
    raise Refused("is not one of api, synthetic, auto, file:PATH")


def _local(port_var: str, port: int, fmt: str) -> Callable[[], str]:
    return lambda: fmt.format(os.environ.get(port_var) or port)


def _checkpoint_default() -> str:
    return str(stack_home() / "checkpoints" / "consumer")


KAFKA = (
    Option("--bootstrap-servers", "KAFKA_BOOTSTRAP_SERVERS", _local("KAFKA_PORT", 9092, "127.0.0.1:{}"),
           "Kafka bootstrap servers; unset, the local stack's (KAFKA_PORT)", ("kafka.bootstrap_servers",)),
    Option("--kafka-security-protocol", "KAFKA_SECURITY_PROTOCOL", "", "e.g. SASL_SSL, for clusters that need it",
           ("kafka.security_protocol",), convert=str.upper, choices=("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")),
    Option("--kafka-sasl-mechanism", "KAFKA_SASL_MECHANISM", "PLAIN", "SASL mechanism", ("kafka.sasl_mechanism",),
           convert=str.upper, choices=("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")),
    Option(None, "KAFKA_SASL_USERNAME", "", "SASL user", ("kafka.sasl_username",)),
    Option(None, "KAFKA_SASL_PASSWORD", "", "SASL password", ("kafka.sasl_password",)),
)
TOPIC = (Option("--topic", "KAFKA_TOPIC", "users_profiles", "topic of the user records", ("kafka.topic",)),)
DLQ_TOPIC = (Option("--dlq-topic", "KAFKA_DLQ_TOPIC", "users_profiles_dlq", "dead-letter topic",
                    ("kafka.dlq_topic",)),)
CASSANDRA = (
    Option("--cassandra-hosts", "CASSANDRA_HOSTS", "127.0.0.1", "comma list of Cassandra contact points",
           ("cassandra.hosts",), convert=_hosts),
    Option("--cassandra-port", "CASSANDRA_PORT", 9042, "Cassandra CQL port (the local stack's too)",
           ("cassandra.port",), minimum=1, maximum=65535),
    Option("--keyspace", "CASSANDRA_KEYSPACE", "usersprofilespace", "Cassandra keyspace", ("cassandra.keyspace",)),
    Option("--table", "CASSANDRA_TABLE", "users_profiles", "Cassandra table", ("cassandra.table",)),
    Option(None, "CASSANDRA_USERNAME", "", "Cassandra user", ("cassandra.username",)),
    Option(None, "CASSANDRA_PASSWORD", "", "Cassandra password", ("cassandra.password",)),
)
CASSANDRA_WRITES = (
    Option("--replication-factor", "CASSANDRA_REPLICATION_FACTOR", 1,
           "replicas of each row when the consumer creates the keyspace: 1 = SimpleStrategy, 2 or more = "
           "NetworkTopologyStrategy in the datacenter of the node it talks to (make up NODES=3: 3)",
           ("cassandra.replication_factor",), minimum=1),
    Option("--replication", "CASSANDRA_REPLICATION", "",
           "a whole replication map instead, e.g. \"{'class': 'NetworkTopologyStrategy', 'dc1': 3, 'dc2': 3}\"; "
           "empty = from --replication-factor", ("cassandra.replication",)),
    Option("--consistency", "CASSANDRA_CONSISTENCY", "AUTO",
           "consistency level of the Cassandra writes; AUTO = LOCAL_QUORUM when the keyspace has 3 or more "
           "replicas, else ONE", ("cassandra.consistency",), convert=str.upper, choices=CONSISTENCY_CHOICES),
    Option("--cassandra-concurrency", "CASSANDRA_CONCURRENCY", 16,
           "in-flight write requests per Spark task", ("cassandra.concurrency",), minimum=1),
    Option("--cassandra-batch-rows", "CASSANDRA_BATCH_ROWS", 50,
           "rows per unlogged CQL batch, one replica's rows each, under 40 KB; 1 = one INSERT per row",
           ("cassandra.rows_per_cql_batch",), minimum=1),
)
MONGO = (
    Option("--mongo-uri", "MONGO_URI", _local("MONGO_PORT", 27017, "mongodb://127.0.0.1:{}/"),
           "MongoDB URI, may carry user:password; unset, the local stack's (MONGO_PORT)", ("mongo.uri",)),
    Option("--mongo-db", "MONGO_DB", "users_profiles_analytics", "MongoDB database of the analytics", ("mongo.db",)),
)
CHECKPOINT = (Option("--checkpoint", "SPARK_CHECKPOINT_DIR", _checkpoint_default,
                     "the consumer's durable checkpoint folder", ("stream.checkpoint_dir",),
                     aliases=("CHECKPOINT_DIR",)),)
QUERY = (Option("--query-name", "SPARK_QUERY_NAME", "users_profiles",
                "the streaming query's name, and the Kafka consumer group its committed offsets are shown in "
                "(for kafka-consumer-groups.sh and make status; the checkpoint stays the truth)",
                ("stream.query_name",)),)
STREAM = (
    Option("--starting-offsets", "SPARK_STARTING_OFFSETS", "earliest", "where a new checkpoint starts reading",
           ("stream.starting_offsets",), aliases=("STARTING_OFFSETS",), choices=("earliest", "latest")),
    Option("--max-offsets-per-trigger", "SPARK_MAX_OFFSETS_PER_TRIGGER", 100_000,
           "records per micro-batch at most", ("stream.max_offsets_per_trigger",),
           aliases=("MAX_OFFSETS_PER_TRIGGER",), minimum=0),
    Option("--trigger-seconds", "SPARK_TRIGGER_SECONDS", 0.0,
           "micro-batch interval; 0 = the next micro-batch starts when the previous one ends, as soon as data is "
           "there", ("stream.trigger_seconds",), aliases=("TRIGGER_SECONDS",), minimum=0),
    Option("--idle-poll-ms", "SPARK_IDLE_POLL_MS", 100, "with no new data, how often Kafka is asked for it",
           ("stream.idle_poll_ms",), aliases=("IDLE_POLL_MS",), minimum=0),
    Option("--available-now", "SPARK_AVAILABLE_NOW", False, "process what the topic holds now, then exit 0",
           ("stream.available_now",), aliases=("AVAILABLE_NOW",)),
    Option("--master", "SPARK_MASTER", "",
           "Spark master when not given to spark-submit, e.g. local[2] or spark://host:7077", ("stream.master",)),
    Option("--kafka-fetch-wait-ms", "SPARK_KAFKA_FETCH_WAIT_MS", 10,
           "how long the Kafka source waits for a fetch to fill (kafka.fetch.max.wait.ms)",
           ("stream.kafka_fetch_wait_ms",), aliases=("KAFKA_FETCH_MAX_WAIT_MS",), minimum=0),
    Option("--state-partitions", "SPARK_STATE_PARTITIONS", 2,
           "partitions of the per-profile state, and tasks of a micro-batch; fixed when a checkpoint is created",
           ("stream.state_partitions",), aliases=("SPARK_SHUFFLE_PARTITIONS",), minimum=1),
    Option("--ui", "SPARK_UI_ENABLED", True, "Spark's web UI, on 127.0.0.1", ("stream.ui",)),
    Option("--ui-port", "SPARK_UI_PORT", 4040, "port of Spark's web UI; the next free one if taken",
           ("stream.ui_port",), minimum=0, maximum=65535),
)
CONSUMER = (
    Option("--sink-retry-seconds", "CONSUMER_SINK_RETRY_SECONDS", 120.0,
           "how long a micro-batch retries an unreachable Cassandra/MongoDB/Kafka before failing",
           ("sink_retry_seconds", "cassandra.retry_seconds", "mongo.retry_seconds"), aliases=("SINK_RETRY_SECONDS",),
           minimum=0),
    Option("--connect-timeout", "CONSUMER_CONNECT_TIMEOUT", 10.0,
           "seconds to reach each service, at start-up and when a sink (re)connects",
           ("connect_timeout", "cassandra.connect_timeout", "mongo.connect_timeout"), aliases=("PREFLIGHT_TIMEOUT",),
           above=0),
    Option("--metrics-port", "CONSUMER_METRICS_PORT", 0, "serve Prometheus metrics on METRICS_HOST:PORT; 0 = off",
           ("metrics_port",), minimum=0, maximum=65535),
    Option("--metrics-host", "CONSUMER_METRICS_HOST", "127.0.0.1",
           "address the metrics listen on; 0.0.0.0 in a container, for a scraper in another one", ("metrics_host",)),
)
LOG_LEVEL = (Option("--log-level", "LOG_LEVEL", "INFO", "logging level; DEBUG: Spark's own log and tracebacks too",
                    ("log_level",), convert=str.upper, choices=LOG_LEVELS),)
PRODUCER = (
    Option("--source", "PRODUCER_SOURCE", "api",
           "api | synthetic | auto (api when reachable, else synthetic) | file:PATH (JSON Lines or whole API "
           "responses)", ("source",), convert=_source),
    Option("--api-url", "RANDOMUSER_API_URL", "https://randomuser.me/api/", "randomuser.me API address",
           ("api_url",)),
    Option("--api-timeout", "RANDOMUSER_API_TIMEOUT", 10.0, "seconds per API request", ("api_timeout",), above=0),
    Option("--api-retries", "RANDOMUSER_API_RETRIES", 5, "retries of a failed API request, with backoff",
           ("api_retries",), minimum=0),
    Option("--nat", "RANDOMUSER_NAT", "", "comma list of nationalities, e.g. FR,GB", ("nat",)),
    Option("--seed", "RANDOMUSER_SEED", "", "API seed / synthetic generator seed for reproducible users", ("seed",)),
    Option("--messages-per-iteration", "PRODUCER_MESSAGES_PER_ITERATION", 10,
           "records per iteration; with the API, the results= of one request (a page)",
           ("messages_per_iteration",), aliases=("NUM_MESSAGES_PER_ITERATION",), minimum=1, maximum=5000),
    Option("--pause-seconds", "PRODUCER_PAUSE_SECONDS", 5.0, "seconds of pause between iterations",
           ("pause_seconds",), aliases=("PAUSE_INTERVAL_SECONDS",), minimum=0),
    Option("--max-messages", "PRODUCER_MAX_MESSAGES", 0, "stop after this many messages; 0 = no limit",
           ("max_messages",), aliases=("MAX_MESSAGES",), minimum=0),
    Option("--rate", "PRODUCER_RATE", 0.0,
           "offer at most this many messages/s, replacing the pause between iterations; 0 = off", ("rate",), minimum=0),
    Option("--progress-seconds", "PRODUCER_PROGRESS_SECONDS", 5.0, "seconds between progress lines",
           ("progress_seconds",), above=0),
    Option("--linger-ms", "KAFKA_LINGER_MS", 20, "producer batching delay (linger.ms)", ("linger_ms",),
           minimum=0, maximum=900_000),
    Option("--compression", "KAFKA_COMPRESSION", "lz4", "producer compression codec", ("compression",),
           convert=str.lower, choices=CODECS),
    Option("--metrics-port", "PRODUCER_METRICS_PORT", 0, "serve Prometheus metrics on METRICS_HOST:PORT; 0 = off",
           ("metrics_port",), minimum=0, maximum=65535),
    Option("--metrics-host", "PRODUCER_METRICS_HOST", "127.0.0.1",
           "address the metrics listen on; 0.0.0.0 in a container, for a scraper in another one", ("metrics_host",)),
)
# Other names of a flag: the short -n, and the names the flags had before (still accepted).
FLAG_ALIASES = {"--batch-size": "--messages-per-iteration", "--interval": "--pause-seconds",
                "--preflight-timeout": "--connect-timeout", "--shuffle-partitions": "--state-partitions",
                "-n": "--last"}
OBSERVE = (
    Option("--timeout", "OBSERVE_TIMEOUT", 3.0, "seconds to wait for each store", ("timeout",), above=0),
    Option("--exact-count-limit", "OBSERVE_EXACT_COUNT_LIMIT", 500_000,
           "above this many rows (Cassandra's estimate), the row count is the estimate, not SELECT count(*)",
           ("exact_count_limit",), minimum=0),
)

CONSUMER_OPTIONS = (*KAFKA, *TOPIC, *DLQ_TOPIC, *CASSANDRA, *CASSANDRA_WRITES, *MONGO, *CHECKPOINT, *QUERY, *STREAM,
                    *CONSUMER, *LOG_LEVEL)
PRODUCER_OPTIONS = (*KAFKA, *TOPIC, *PRODUCER, *LOG_LEVEL)
OBSERVE_OPTIONS = (*KAFKA, *TOPIC, *DLQ_TOPIC, *CASSANDRA, *MONGO, *CHECKPOINT, *QUERY, *OBSERVE, *LOG_LEVEL)


# --- from the table to a parser, from parsed flags to settings ----------------------------------------------

class SettingError(ValueError):
    """An environment variable holds a value its setting cannot take."""


def parse(opt: Option, text: str) -> Any:
    """The option's value from its text, checked against its choices and range: the one check of both a flag
    and a variable. A text of the wrong type raises ValueError, a value the option refuses raises Refused."""
    default = opt.default() if callable(opt.default) else opt.default
    if isinstance(default, bool):
        return _boolean(text)
    if text == "" and default == "":
        return text   # an empty text is the setting's "not set" (e.g. no security protocol)
    value = opt.convert(text) if opt.convert is not None else type(default)(text)
    if opt.choices and value not in opt.choices:
        raise Refused(f"is not one of {', '.join(opt.choices)}")
    if value != value:   # float("nan") passes every comparison below
        raise Refused("is not a number")
    if opt.minimum is not None and value < opt.minimum:
        raise Refused(f"is below its minimum {opt.minimum:g}")
    if opt.maximum is not None and value > opt.maximum:
        raise Refused(f"is above its maximum {opt.maximum:g}")
    if opt.above is not None and value <= opt.above:
        raise Refused(f"is not more than {opt.above:g}")
    return value


def env_value(opt: Option) -> Any:
    """The option's value from its variable (or an alias), converted to the default's type; else the default."""
    for name in (opt.env, *opt.aliases):
        raw = os.environ.get(name)
        if raw is None or raw == "":
            continue
        try:
            value = parse(opt, raw)
        except Refused as exc:
            raise SettingError(f"{name}={raw!r} {exc}; fix or unset it") from None
        except ValueError:
            default = opt.default() if callable(opt.default) else opt.default
            kind = "on/off" if isinstance(default, bool) else type(default).__name__
            raise SettingError(f"{name}={raw!r} is not a valid {kind} value; fix or unset it") from None
        # A converted option keeps its text, which argparse converts like a flag's, and --help shows as set.
        return raw if opt.convert is not None else value
    return opt.default() if callable(opt.default) else opt.default


def _flag_type(opt: Option) -> Callable[[str], Any]:
    """argparse's type= for the option: a refused value reads "argument --rate: -1 is below its minimum 0"."""
    def check(text: str) -> Any:
        try:
            return parse(opt, text)
        except Refused as exc:
            shown = text if opt.convert is None else repr(text)   # a number bare, a word quoted, as argparse does
            raise argparse.ArgumentTypeError(f"{shown} {exc}") from None
    default = opt.default() if callable(opt.default) else opt.default
    # argparse names the type in "invalid int value: 'x'"; the converter's own name says nothing.
    check.__name__ = type(default).__name__ if opt.convert is None else "text"
    return check


def _boolean(raw: str) -> bool:
    text = raw.strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


def add_options(p: argparse.ArgumentParser, options: Sequence[Option]) -> None:
    """Flags for these options (defaults from the environment, read now); env-only ones as plain defaults."""
    for opt in options:
        try:
            default = env_value(opt)
        except SettingError as exc:
            p.error(str(exc))
        if opt.flag is None:
            p.set_defaults(**{opt.dest: default})
            continue
        names = [opt.flag] + [old for old, new in FLAG_ALIASES.items() if new == opt.flag]
        text = f"{opt.help}{_bounds(opt)} (env {opt.env})"
        if isinstance(opt.default, bool):
            p.add_argument(*names, dest=opt.dest, action=argparse.BooleanOptionalAction, default=default, help=text)
            continue
        p.add_argument(*names, dest=opt.dest, default=default, help=text, choices=opt.choices,
                       metavar=opt.flag.lstrip("-").upper().replace("-", "_") if not opt.choices else None,
                       type=_flag_type(opt))


def _bounds(opt: Option) -> str:
    """The option's range, for --help: "; 1-5000", "; 0 or more", "; more than 0"."""
    if opt.minimum is not None and opt.maximum is not None:
        return f"; {opt.minimum:g}-{opt.maximum:g}"
    if opt.minimum is not None:
        return f"; {opt.minimum:g} or more"
    if opt.above is not None:
        return f"; more than {opt.above:g}"
    return ""


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are their one line, without the usage above it: the usage of these
    programs is a page that buried the line (--help prints it)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


def parser(prog: str, description: str, options: Sequence[Option]) -> argparse.ArgumentParser:
    p = OneLineParser(prog=prog, description=description, formatter_class=DefaultsHelpFormatter)
    add_options(p, options)
    return p


def consumer_parser() -> argparse.ArgumentParser:
    return parser("consumer_spark.py", "Spark Structured Streaming: Kafka -> Cassandra profiles + MongoDB analytics.",
                  CONSUMER_OPTIONS)


def producer_parser() -> argparse.ArgumentParser:
    return parser("producer.py", "Publish randomuser.me user records to Kafka, one message per user.",
                  PRODUCER_OPTIONS)


def _filled(args: argparse.Namespace, options: Sequence[Option]) -> dict[str, dict[str, Any]]:
    """{section: {field: value}} ("" for the program's own fields) from the parsed flags."""
    out: dict[str, dict[str, Any]] = {}
    for opt in options:
        value = getattr(args, opt.dest)
        if opt.convert is not None and isinstance(value, str):
            value = opt.convert(value)
        for target in opt.fills:
            section, _, name = target.rpartition(".")
            out.setdefault(section, {})[name] = value
    return out


def consumer_settings(args: argparse.Namespace) -> ConsumerSettings:
    v = _filled(args, CONSUMER_OPTIONS)
    return ConsumerSettings(kafka=KafkaSettings(**v["kafka"]), cassandra=CassandraSettings(**v["cassandra"]),
                            mongo=MongoSettings(**v["mongo"]), stream=StreamSettings(**v["stream"]), **v[""])


def producer_settings(args: argparse.Namespace) -> ProducerSettings:
    v = _filled(args, PRODUCER_OPTIONS)
    return ProducerSettings(kafka=KafkaSettings(**v["kafka"]), **v[""])


def cassandra_settings(args: argparse.Namespace) -> CassandraSettings:
    return CassandraSettings(**_filled(args, (*CASSANDRA, *CASSANDRA_WRITES))["cassandra"])


def observe_settings(args: argparse.Namespace) -> ObserveSettings:
    v = _filled(args, OBSERVE_OPTIONS)
    t = v[""]["timeout"]
    # The observers wait for a store at most their own timeout, never the consumer's.
    return ObserveSettings(kafka=KafkaSettings(**v["kafka"]),
                           cassandra=CassandraSettings(**v["cassandra"], connect_timeout=t, retry_seconds=t),
                           mongo=MongoSettings(**v["mongo"], connect_timeout=t, retry_seconds=t),
                           checkpoint_dir=v["stream"]["checkpoint_dir"], consumer_group=v["stream"]["query_name"],
                           **v[""])
