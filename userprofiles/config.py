"""Every setting of the producer and the consumer: command-line flags whose defaults come from the
environment. This is the one place where a setting's name, default and help text live."""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from .helpformat import DefaultsHelpFormatter

ROOT = Path(__file__).resolve().parent.parent
STACK_HOME = Path(os.environ.get("STACK_HOME", ROOT / ".stack"))
# Cassandra's consistency levels a write may ask for (cassandra.ConsistencyLevel), and AUTO.
CONSISTENCY_CHOICES = ("AUTO", "ANY", "ONE", "TWO", "THREE", "QUORUM", "LOCAL_QUORUM", "EACH_QUORUM", "ALL", "LOCAL_ONE")


def env(name: str, default):
    """The environment variable NAME converted to the type of DEFAULT, or DEFAULT when unset."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def _add_kafka(p: argparse.ArgumentParser) -> None:
    p.add_argument("--bootstrap-servers", default=env("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
                   help="Kafka bootstrap servers (env KAFKA_BOOTSTRAP_SERVERS)")
    p.add_argument("--topic", default=env("KAFKA_TOPIC", "users_profiles"),
                   help="topic of the user records (env KAFKA_TOPIC)")
    p.add_argument("--kafka-security-protocol", default=env("KAFKA_SECURITY_PROTOCOL", ""),
                   help="e.g. SASL_SSL, for clusters that need it (env KAFKA_SECURITY_PROTOCOL)")
    p.add_argument("--kafka-sasl-mechanism", default=env("KAFKA_SASL_MECHANISM", "PLAIN"),
                   help="SASL mechanism (env KAFKA_SASL_MECHANISM)")
    # Secrets come from the environment only, so they never show in `ps` or shell history.
    p.set_defaults(kafka_sasl_username=env("KAFKA_SASL_USERNAME", ""),
                   kafka_sasl_password=env("KAFKA_SASL_PASSWORD", ""))
    p.add_argument("--log-level", default=env("LOG_LEVEL", "INFO"), help="logging level (env LOG_LEVEL)")


def kafka_client_config(args: argparse.Namespace) -> dict:
    """librdkafka settings shared by producer, admin and test clients."""
    # librdkafka leaves Nagle's algorithm on; a small request could then wait for the broker's delayed ACK.
    conf = {"bootstrap.servers": args.bootstrap_servers, "socket.nagle.disable": True}
    if args.kafka_security_protocol:
        conf["security.protocol"] = args.kafka_security_protocol
        if args.kafka_sasl_username:
            conf.update({"sasl.mechanism": args.kafka_sasl_mechanism,
                         "sasl.username": args.kafka_sasl_username,
                         "sasl.password": args.kafka_sasl_password})
    return conf


def producer_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="producer.py", formatter_class=DefaultsHelpFormatter,
                                description="Publish randomuser.me user records to Kafka, one message per user.")
    _add_kafka(p)
    p.add_argument("--source", default=env("PRODUCER_SOURCE", "api"),
                   help="api | synthetic | auto (api when reachable, else synthetic) | file:PATH (JSON Lines or whole "
                        "API responses) (env PRODUCER_SOURCE)")
    p.add_argument("--api-url", default=env("RANDOMUSER_API_URL", "https://randomuser.me/api/"),
                   help="randomuser.me API address (env RANDOMUSER_API_URL)")
    p.add_argument("--api-timeout", type=float, default=env("RANDOMUSER_API_TIMEOUT", 10.0),
                   help="seconds per API request (env RANDOMUSER_API_TIMEOUT)")
    p.add_argument("--api-retries", type=int, default=env("RANDOMUSER_API_RETRIES", 5),
                   help="retries of a failed API request, with backoff (env RANDOMUSER_API_RETRIES)")
    p.add_argument("--batch-size", type=int, default=env("NUM_MESSAGES_PER_ITERATION", 10),
                   help="records per iteration; with the API, results= per request, 1-5000 "
                        "(env NUM_MESSAGES_PER_ITERATION)")
    p.add_argument("--interval", type=float, default=env("PAUSE_INTERVAL_SECONDS", 5.0),
                   help="seconds of pause between iterations (env PAUSE_INTERVAL_SECONDS)")
    p.add_argument("--max-messages", type=int, default=env("MAX_MESSAGES", 0),
                   help="stop after this many messages; 0 = no limit (env MAX_MESSAGES)")
    p.add_argument("--rate", type=float, default=env("PRODUCER_RATE", 0.0),
                   help="offer at most this many messages/s, replacing --interval pacing; 0 = off (env PRODUCER_RATE)")
    p.add_argument("--nat", default=env("RANDOMUSER_NAT", ""),
                   help="comma list of nationalities, e.g. FR,GB (env RANDOMUSER_NAT)")
    p.add_argument("--seed", default=env("RANDOMUSER_SEED", ""),
                   help="API seed / synthetic generator seed for reproducible users (env RANDOMUSER_SEED)")
    p.add_argument("--progress-seconds", type=float, default=env("PROGRESS_SECONDS", 5.0),
                   help="seconds between progress lines (env PROGRESS_SECONDS)")
    p.add_argument("--linger-ms", type=int, default=env("KAFKA_LINGER_MS", 20),
                   help="producer batching delay (env KAFKA_LINGER_MS)")
    p.add_argument("--compression", default=env("KAFKA_COMPRESSION", "lz4"),
                   help="producer compression codec (env KAFKA_COMPRESSION)")
    p.add_argument("--metrics-port", type=int, default=env("PRODUCER_METRICS_PORT", 0),
                   help="serve Prometheus metrics on 127.0.0.1:PORT; 0 = off (env PRODUCER_METRICS_PORT)")
    return p


def consumer_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="consumer_spark.py", formatter_class=DefaultsHelpFormatter,
                                description="Spark Structured Streaming: Kafka -> Cassandra profiles + MongoDB analytics.")
    _add_kafka(p)
    p.add_argument("--dlq-topic", default=env("KAFKA_DLQ_TOPIC", "users_profiles_dlq"),
                   help="dead-letter topic (env KAFKA_DLQ_TOPIC)")
    p.add_argument("--starting-offsets", choices=["earliest", "latest"],
                   default=env("STARTING_OFFSETS", "earliest"),
                   help="where a new checkpoint starts reading (env STARTING_OFFSETS)")
    p.add_argument("--max-offsets-per-trigger", type=int, default=env("MAX_OFFSETS_PER_TRIGGER", 100000),
                   help="records per micro-batch at most (env MAX_OFFSETS_PER_TRIGGER)")
    p.add_argument("--trigger-seconds", type=float, default=env("TRIGGER_SECONDS", 0.0),
                   help="micro-batch interval; 0 = the next batch starts when the previous one ends, as soon as "
                        "data is there (env TRIGGER_SECONDS)")
    p.add_argument("--idle-poll-ms", type=int, default=env("IDLE_POLL_MS", 100),
                   help="with no new data, how often Kafka is asked for it (env IDLE_POLL_MS)")
    p.add_argument("--available-now", action="store_true", default=env("AVAILABLE_NOW", False),
                   help="process what the topic holds now, then exit 0 (env AVAILABLE_NOW)")
    p.add_argument("--checkpoint", default=env("CHECKPOINT_DIR", str(STACK_HOME / "checkpoints" / "consumer")),
                   help="durable checkpoint folder (env CHECKPOINT_DIR)")
    p.add_argument("--master", default=env("SPARK_MASTER", ""),
                   help="Spark master when not given to spark-submit, e.g. local[2] or spark://host:7077 "
                        "(env SPARK_MASTER)")
    p.add_argument("--kafka-fetch-wait-ms", type=int, default=env("KAFKA_FETCH_MAX_WAIT_MS", 10),
                   help="how long the Kafka source waits for a fetch to fill (kafka.fetch.max.wait.ms) "
                        "(env KAFKA_FETCH_MAX_WAIT_MS)")
    p.add_argument("--single-task-records", type=int, default=env("SINGLE_TASK_RECORDS", 20000),
                   help="micro-batches of at most this many records run as one task, without a shuffle "
                        "(env SINGLE_TASK_RECORDS)")
    p.add_argument("--shuffle-partitions", type=int, default=env("SPARK_SHUFFLE_PARTITIONS", 4),
                   help="tasks of a larger micro-batch, hash-partitioned by identifiant (env SPARK_SHUFFLE_PARTITIONS)")
    p.add_argument("--cassandra-hosts", default=env("CASSANDRA_HOSTS", "127.0.0.1"),
                   help="comma list of Cassandra contact points (env CASSANDRA_HOSTS)")
    p.add_argument("--cassandra-port", type=int, default=env("CASSANDRA_PORT", 9042),
                   help="Cassandra CQL port (env CASSANDRA_PORT)")
    p.set_defaults(cassandra_username=env("CASSANDRA_USERNAME", ""),
                   cassandra_password=env("CASSANDRA_PASSWORD", ""))
    p.add_argument("--keyspace", default=env("CASSANDRA_KEYSPACE", "usersprofilespace"),
                   help="Cassandra keyspace (env CASSANDRA_KEYSPACE)")
    p.add_argument("--table", default=env("CASSANDRA_TABLE", "users_profiles"),
                   help="Cassandra table (env CASSANDRA_TABLE)")
    p.add_argument("--replication-factor", type=int, default=env("CASSANDRA_REPLICATION_FACTOR", 1),
                   help="replicas of each row when the consumer creates the keyspace: 1 = SimpleStrategy, 2 or more = "
                        "NetworkTopologyStrategy in the datacenter of the node it talks to (make up NODES=3: 3) "
                        "(env CASSANDRA_REPLICATION_FACTOR)")
    p.add_argument("--replication", default=env("CASSANDRA_REPLICATION", ""),
                   help="a whole replication map instead, e.g. \"{'class': 'NetworkTopologyStrategy', 'dc1': 3, "
                        "'dc2': 3}\"; empty = from --replication-factor (env CASSANDRA_REPLICATION)")
    p.add_argument("--consistency", type=str.upper, choices=CONSISTENCY_CHOICES,
                   default=env("CASSANDRA_CONSISTENCY", "AUTO"),
                   help="consistency level of the Cassandra writes; AUTO = LOCAL_QUORUM when the keyspace has 3 or "
                        "more replicas, else ONE (env CASSANDRA_CONSISTENCY)")
    p.add_argument("--cassandra-concurrency", type=int, default=env("CASSANDRA_CONCURRENCY", 16),
                   help="in-flight write requests (batches) per Spark task (env CASSANDRA_CONCURRENCY)")
    p.add_argument("--cassandra-batch-rows", type=int, default=env("CASSANDRA_BATCH_ROWS", 50),
                   help="rows per unlogged batch, one replica's rows each, under 40 KB; 1 = one INSERT per row "
                        "(env CASSANDRA_BATCH_ROWS)")
    p.add_argument("--mongo-uri", default=env("MONGO_URI", "mongodb://127.0.0.1:27017/"),
                   help="MongoDB URI; may carry user:password (env MONGO_URI)")
    p.add_argument("--mongo-db", default=env("MONGO_DB", "users_profiles_analytics"),
                   help="MongoDB database of the analytics (env MONGO_DB)")
    p.add_argument("--sink-retry-seconds", type=float, default=env("SINK_RETRY_SECONDS", 120.0),
                   help="how long a batch retries an unreachable Cassandra/MongoDB before failing "
                        "(env SINK_RETRY_SECONDS)")
    p.add_argument("--preflight-timeout", type=float, default=env("PREFLIGHT_TIMEOUT", 10.0),
                   help="seconds to reach each service at start-up (env PREFLIGHT_TIMEOUT)")
    p.add_argument("--ui", action=argparse.BooleanOptionalAction, default=env("SPARK_UI_ENABLED", True),
                   help="Spark's web UI, on 127.0.0.1 (env SPARK_UI_ENABLED)")
    p.add_argument("--ui-port", type=int, default=env("SPARK_UI_PORT", 4040),
                   help="port of Spark's web UI; the next free one if taken (env SPARK_UI_PORT)")
    p.add_argument("--metrics-port", type=int, default=env("CONSUMER_METRICS_PORT", 0),
                   help="serve Prometheus metrics on 127.0.0.1:PORT; 0 = off (env CONSUMER_METRICS_PORT)")
    return p


def spark_kafka_options(args: argparse.Namespace) -> dict:
    """Options of Spark's Kafka source and sink (the Java client's names, prefixed with kafka.)."""
    opts = {"kafka.bootstrap.servers": args.bootstrap_servers}
    if args.kafka_security_protocol:
        opts["kafka.security.protocol"] = args.kafka_security_protocol
        if args.kafka_sasl_username:
            module = ("org.apache.kafka.common.security.scram.ScramLoginModule"
                      if args.kafka_sasl_mechanism.startswith("SCRAM") else
                      "org.apache.kafka.common.security.plain.PlainLoginModule")
            opts["kafka.sasl.mechanism"] = args.kafka_sasl_mechanism
            opts["kafka.sasl.jaas.config"] = (f'{module} required username="{args.kafka_sasl_username}" '
                                              f'password="{args.kafka_sasl_password}";')
    return opts
