"""The one table of every option of the programs: its flag, environment variable, help, range or choices,
and the settings field it fills (settings.py), whose default is the option's (SETTING; option_row.py). The
options of make dashboard, make dlq and the benchmark fill no settings field and give their own default.
options.py builds the parsers and the settings from it; a program's parser takes its *_OPTIONS.

Environment variables are named SECTION_SETTING: KAFKA_, CASSANDRA_, MONGO_, SPARK_, PRODUCER_, CONSUMER_,
RANDOMUSER_ (the API source), OBSERVE_, DASHBOARD_ and BENCH_, and LOG_LEVEL for every program. Older names
are read as aliases; NUM_MESSAGES_PER_ITERATION and PAUSE_INTERVAL_SECONDS are the names of the first version.
"""
from __future__ import annotations

from functools import partial

from userprofiles.config import addresses
from userprofiles.config.option_row import Option, Refused
from userprofiles.config.settings import CODECS, CONSISTENCY_CHOICES, CQL_BATCH_MAX_BYTES, LOG_LEVELS

SECTIONS = ("KAFKA", "CASSANDRA", "MONGO", "SPARK", "PRODUCER", "CONSUMER", "RANDOMUSER", "OBSERVE", "DASHBOARD",
            "BENCH")


def _hosts(text: str) -> tuple[str, ...]:
    return tuple(h.strip() for h in text.split(",") if h.strip())


def _source(text: str) -> str:
    if text in ("api", "synthetic", "auto") or (text.startswith("file:") and len(text) > 5):
        return text
    raise Refused("is not one of api, synthetic, auto, file:PATH")


KAFKA = (
    Option("--bootstrap-servers", "KAFKA_BOOTSTRAP_SERVERS",
           "Kafka bootstrap servers; unset, the local stack's (KAFKA_PORT)", ("kafka.bootstrap_servers",)),
    Option("--kafka-security-protocol", "KAFKA_SECURITY_PROTOCOL", "e.g. SASL_SSL, for clusters that need it",
           ("kafka.security_protocol",), convert=str.upper, choices=("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")),
    Option("--kafka-sasl-mechanism", "KAFKA_SASL_MECHANISM", "SASL mechanism", ("kafka.sasl_mechanism",),
           convert=str.upper, choices=("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")),
    Option(None, "KAFKA_SASL_USERNAME", "SASL user", ("kafka.sasl_username",)),
    Option(None, "KAFKA_SASL_PASSWORD", "SASL password", ("kafka.sasl_password",)),
)
TOPIC = (Option("--topic", "KAFKA_TOPIC", "topic of the user records", ("kafka.topic",)),)
DLQ_TOPIC = (Option("--dlq-topic", "KAFKA_DLQ_TOPIC", "dead-letter topic",
                    ("kafka.dlq_topic",)),)
CASSANDRA = (
    Option("--cassandra-hosts", "CASSANDRA_HOSTS", "comma list of Cassandra contact points",
           ("cassandra.hosts",), convert=_hosts),
    Option("--cassandra-port", "CASSANDRA_PORT", "Cassandra CQL port (the local stack's too)",
           ("cassandra.port",), minimum=1, maximum=65535),
    Option("--keyspace", "CASSANDRA_KEYSPACE", "Cassandra keyspace", ("cassandra.keyspace",)),
    Option("--table", "CASSANDRA_TABLE", "Cassandra table", ("cassandra.table",)),
    Option(None, "CASSANDRA_USERNAME", "Cassandra user", ("cassandra.username",)),
    Option(None, "CASSANDRA_PASSWORD", "Cassandra password", ("cassandra.password",)),
)
CASSANDRA_WRITES = (
    Option("--replication-factor", "CASSANDRA_REPLICATION_FACTOR",
           "replicas of each row when the consumer creates the keyspace: 1 = SimpleStrategy, 2 or more = "
           "NetworkTopologyStrategy in the datacenter of the node it talks to (make up NODES=3: 3)",
           ("cassandra.replication_factor",), minimum=1),
    Option("--replication", "CASSANDRA_REPLICATION",
           "a whole replication map instead, e.g. \"{'class': 'NetworkTopologyStrategy', 'dc1': 3, 'dc2': 3}\"; "
           "empty = from --replication-factor", ("cassandra.replication",)),
    Option("--consistency", "CASSANDRA_CONSISTENCY",
           "consistency level of the Cassandra writes; AUTO = LOCAL_QUORUM when the keyspace has 3 or more "
           "replicas, else ONE", ("cassandra.consistency",), convert=str.upper, choices=CONSISTENCY_CHOICES),
    Option("--cassandra-concurrency", "CASSANDRA_CONCURRENCY",
           "in-flight write requests per Spark task", ("cassandra.concurrency",), minimum=1),
    Option("--cassandra-batch-rows", "CASSANDRA_BATCH_ROWS",
           f"rows per unlogged CQL batch, one replica's rows each, under {CQL_BATCH_MAX_BYTES:,} bytes; 1 = one "
           f"INSERT per row",
           ("cassandra.rows_per_cql_batch",), minimum=1),
)
MONGO = (
    Option("--mongo-uri", "MONGO_URI", "MongoDB URI; unset, the local stack's (MONGO_PORT)", ("mongo.uri",)),
    Option("--mongo-db", "MONGO_DB", "MongoDB database of the analytics", ("mongo.db",)),
    Option(None, "MONGO_USERNAME", "MongoDB user (of the admin database)", ("mongo.username",)),
    Option(None, "MONGO_PASSWORD", "MongoDB password", ("mongo.password",)),
)
CHECKPOINT = (Option("--checkpoint", "SPARK_CHECKPOINT_DIR",
                     "the consumer's durable checkpoint folder", ("stream.checkpoint_dir",),
                     aliases=("CHECKPOINT_DIR",)),)
QUERY = (Option("--query-name", "SPARK_QUERY_NAME",
                "the streaming query's name, and the Kafka consumer group its committed offsets are shown in "
                "(for kafka-consumer-groups.sh and make status; the checkpoint stays the truth)",
                ("stream.query_name",)),)
STREAM = (
    Option("--starting-offsets", "SPARK_STARTING_OFFSETS", "where a new checkpoint starts reading",
           ("stream.starting_offsets",), aliases=("STARTING_OFFSETS",), choices=("earliest", "latest")),
    Option("--max-offsets-per-trigger", "SPARK_MAX_OFFSETS_PER_TRIGGER",
           "records per micro-batch at most", ("stream.max_offsets_per_trigger",),
           aliases=("MAX_OFFSETS_PER_TRIGGER",), minimum=0),
    Option("--trigger-seconds", "SPARK_TRIGGER_SECONDS",
           "micro-batch interval; 0 = the next micro-batch starts when the previous one ends, as soon as data is "
           "there", ("stream.trigger_seconds",), aliases=("TRIGGER_SECONDS",), minimum=0),
    Option("--idle-poll-ms", "SPARK_IDLE_POLL_MS", "with no new data, how often Kafka is asked for it",
           ("stream.idle_poll_ms",), aliases=("IDLE_POLL_MS",), minimum=0),
    Option("--available-now", "SPARK_AVAILABLE_NOW", "process what the topic holds now, then exit 0",
           ("stream.available_now",), aliases=("AVAILABLE_NOW",)),
    Option("--master", "SPARK_MASTER",
           "Spark master when not given to spark-submit, e.g. local[2] or spark://host:7077", ("stream.master",)),
    Option("--kafka-fetch-wait-ms", "SPARK_KAFKA_FETCH_WAIT_MS",
           "how long the Kafka source waits for a fetch to fill (kafka.fetch.max.wait.ms)",
           ("stream.kafka_fetch_wait_ms",), aliases=("KAFKA_FETCH_MAX_WAIT_MS",), minimum=0),
    Option("--state-partitions", "SPARK_STATE_PARTITIONS",
           "partitions of the per-profile state, and tasks of a micro-batch; fixed when a checkpoint is created",
           ("stream.state_partitions",), aliases=("SPARK_SHUFFLE_PARTITIONS",), minimum=1),
    Option("--ui", "SPARK_UI_ENABLED", "Spark's web UI, on 127.0.0.1", ("stream.ui",)),
    Option("--ui-port", "SPARK_UI_PORT", "port of Spark's web UI; the next free one if taken",
           ("stream.ui_port",), minimum=0, maximum=65535),
)
CONSUMER = (
    Option("--sink-retry-seconds", "CONSUMER_SINK_RETRY_SECONDS",
           "how long a micro-batch retries an unreachable Cassandra/MongoDB/Kafka before failing",
           ("sink_retry_seconds", "cassandra.retry_seconds", "mongo.retry_seconds"), aliases=("SINK_RETRY_SECONDS",),
           minimum=0),
    Option("--connect-timeout", "CONSUMER_CONNECT_TIMEOUT",
           "seconds to reach each service, at start-up and when a sink (re)connects",
           ("connect_timeout", "cassandra.connect_timeout", "mongo.connect_timeout"), aliases=("PREFLIGHT_TIMEOUT",),
           above=0),
    Option("--metrics-port", "CONSUMER_METRICS_PORT", "serve Prometheus metrics on METRICS_HOST:PORT; 0 = off",
           ("metrics_port",), minimum=0, maximum=65535),
    Option("--metrics-host", "CONSUMER_METRICS_HOST",
           "address the metrics listen on; 0.0.0.0 in a container, for a scraper in another one", ("metrics_host",)),
)
LOG_LEVEL = (Option("--log-level", "LOG_LEVEL", "logging level; DEBUG: Spark's own log and tracebacks too",
                    ("log_level",), convert=str.upper, choices=LOG_LEVELS),)
PRODUCER = (
    Option("--source", "PRODUCER_SOURCE",
           "api | synthetic | auto (api when reachable, else synthetic) | file:PATH (JSON Lines or whole API "
           "responses)", ("source",), convert=_source),
    Option("--api-url", "RANDOMUSER_API_URL", "randomuser.me API address",
           ("api_url",)),
    Option("--api-timeout", "RANDOMUSER_API_TIMEOUT", "seconds per API request", ("api_timeout",), above=0),
    Option("--api-retries", "RANDOMUSER_API_RETRIES", "retries of a failed API request, with backoff",
           ("api_retries",), minimum=0),
    Option("--nat", "RANDOMUSER_NAT", "comma list of nationalities, e.g. FR,GB", ("nat",)),
    Option("--seed", "RANDOMUSER_SEED", "API seed / synthetic generator seed for reproducible users",
           ("seed",)),
    Option("--population", "PRODUCER_POPULATION",
           "synthetic source: draw the users from a fixed population of this many, sent again and again, as a "
           "service that sees each user return (a soak's bounded state); 0 = every user new",
           ("population",), minimum=0),
    Option("--changed-share", "PRODUCER_CHANGED_SHARE",
           "with --population: the share of messages that are a changed copy of a known user (new e-mail and "
           "address, some a corrected birth date, a few of them a minor's)", ("changed_share",), minimum=0, maximum=1),
    Option("--messages-per-iteration", "PRODUCER_MESSAGES_PER_ITERATION",
           "records per iteration; with the API, the results= of one request (a page)",
           ("messages_per_iteration",), aliases=("NUM_MESSAGES_PER_ITERATION",), minimum=1, maximum=5000),
    Option("--pause-seconds", "PRODUCER_PAUSE_SECONDS", "seconds of pause between iterations",
           ("pause_seconds",), aliases=("PAUSE_INTERVAL_SECONDS",), minimum=0),
    Option("--max-messages", "PRODUCER_MAX_MESSAGES", "stop after this many messages; 0 = no limit",
           ("max_messages",), aliases=("MAX_MESSAGES",), minimum=0),
    Option("--rate", "PRODUCER_RATE",
           "offer at most this many messages/s, replacing the pause between iterations; 0 = off", ("rate",), minimum=0),
    Option("--progress-seconds", "PRODUCER_PROGRESS_SECONDS", "seconds between progress lines",
           ("progress_seconds",), above=0),
    Option("--linger-ms", "KAFKA_LINGER_MS", "producer batching delay (linger.ms)", ("linger_ms",),
           minimum=0, maximum=900_000),
    Option("--compression", "KAFKA_COMPRESSION", "producer compression codec", ("compression",),
           convert=str.lower, choices=CODECS),
    Option("--keep-login-secrets", "PRODUCER_KEEP_LOGIN_SECRETS",
           "publish login.password, salt, md5, sha1 and sha256 as the source gives them (dropped by default: "
           "nothing downstream uses them)", ("keep_login_secrets",)),
    Option("--metrics-port", "PRODUCER_METRICS_PORT", "serve Prometheus metrics on METRICS_HOST:PORT; 0 = off",
           ("metrics_port",), minimum=0, maximum=65535),
    Option("--metrics-host", "PRODUCER_METRICS_HOST",
           "address the metrics listen on; 0.0.0.0 in a container, for a scraper in another one", ("metrics_host",)),
)
# Other names of a flag: the short -n, and the names the flags had before (still accepted).
FLAG_ALIASES = {"--batch-size": "--messages-per-iteration", "--interval": "--pause-seconds",
                "--preflight-timeout": "--connect-timeout", "--shuffle-partitions": "--state-partitions",
                "-n": "--last"}
OBSERVE = (
    Option("--timeout", "OBSERVE_TIMEOUT", "seconds to wait for each store", ("timeout",), above=0),
    Option("--exact-count-limit", "OBSERVE_EXACT_COUNT_LIMIT",
           "above this many rows (Cassandra's estimate), the row count is the estimate, not SELECT count(*)",
           ("exact_count_limit",), minimum=0),
)
# The programs without settings of their own: their options fill argparse's names only, and say their default.
DLQ = (
    Option("--last", "OBSERVE_DLQ_LAST", "how many dead letters to print", ("last",), default=20,
           aliases=("DLQ_LAST",), minimum=0),
    Option("--full", "OBSERVE_DLQ_FULL", "print each redacted payload whole, not its first line", ("full",),
           default=False),
)
# The port and the links: the local stack's (stack/ports.env, or the port variables), read when the parser is built.
DASHBOARD = (
    Option("--host", "DASHBOARD_HOST", "address to listen on; loopback unless you mean to share it", ("host",),
           default="127.0.0.1"),
    Option("--port", "DASHBOARD_PORT", "port", ("port",), default=partial(addresses.port, "DASHBOARD_PORT"),
           minimum=1, maximum=65535),
    Option("--refresh-seconds", "DASHBOARD_REFRESH_SECONDS", "seconds between two reads of the stores",
           ("refresh_seconds",), default=5.0, minimum=1),
    Option("--top", "DASHBOARD_TOP", "bars per chart of nationalities and e-mail domains", ("top",), default=15,
           minimum=1),
    Option("--latest-dead-letters", "DASHBOARD_DEAD_LETTERS", "dead letters listed", ("latest_dead_letters",),
           default=10, minimum=0),
    Option("--alive-seconds", "DASHBOARD_ALIVE_SECONDS", "seconds without a micro-batch, with messages "
           "waiting, after which the consumer is shown as stopped", ("alive_seconds",), default=60.0, above=0),
    Option("--spark-ui-url", "DASHBOARD_SPARK_UI_URL", "the consumer's Spark UI", ("spark_ui_url",),
           default=partial(addresses.http, "SPARK_UI_PORT")),
    Option("--spark-master-url", "DASHBOARD_SPARK_MASTER_URL", "the Spark master's UI", ("spark_master_url",),
           default=partial(addresses.http, "SPARK_MASTER_WEBUI_PORT")),
    Option("--kafka-ui-url", "DASHBOARD_KAFKA_UI_URL", "kafka-ui (compose profile ui)", ("kafka_ui_url",),
           default=partial(addresses.http, "KAFKA_UI_PORT")),
)
BENCH = (
    Option("--records", "BENCH_RECORDS", "records of the throughput phases", ("records",), default=200_000,
           minimum=1),
    Option("--pipeline-warmup-records", "BENCH_PIPELINE_WARMUP_RECORDS",
           "records the pipeline phase's consumer reads before the measured ones, so that its steady rate is a "
           "running consumer's (code compiled, JIT done); their own rate is reported as the cold one",
           ("pipeline_warmup_records",), default=200_000, minimum=0),
    Option("--partitions", "BENCH_PARTITIONS", "partitions of the benchmark topics (the stack's topic has 6)",
           ("partitions",), default=6, minimum=1),
    Option("--latency-rate", "BENCH_LATENCY_RATE", "messages/s offered in the latency phase",
           ("latency_rate",), default=2000.0, above=0),
    Option("--latency-seconds", "BENCH_LATENCY_SECONDS", "seconds of offered load in the latency phase",
           ("latency_seconds",), default=60.0, above=0),
    Option("--latency-warmup-seconds", "BENCH_LATENCY_WARMUP_SECONDS",
           "seconds of the same offered load before the measured ones, so that the consumer is measured warm "
           "(code compiled, JIT done) as a long-running service is", ("latency_warmup_seconds",), default=20.0,
           minimum=0),
    Option("--baseline-seconds", "BENCH_BASELINE_SECONDS",
           "the row-by-row baseline is stopped this long after its first row, or when it has written everything",
           ("baseline_seconds",), default=60.0, above=0),
    Option("--trickle-rate", "BENCH_TRICKLE_RATE", "messages/s offered in the trickle phase",
           ("trickle_rate",), default=20.0, above=0),
    Option("--trickle-seconds", "BENCH_TRICKLE_SECONDS", "seconds of offered load in the trickle phase",
           ("trickle_seconds",), default=60.0, above=0),
    Option("--changed-share", "BENCH_CHANGED_SHARE",
           "share of the changed phase's records that are changed copies of stored users", ("changed_share",),
           default=0.2, minimum=0, maximum=1),
    Option("--state-profiles", "BENCH_STATE_PROFILES", "distinct profiles of the state phase", ("state_profiles",),
           default=1_000_000, minimum=1),
    Option("--skip", "BENCH_SKIP",
           "comma list of phases to skip: producer, pipeline, baseline, changed, latency, trickle, state", ("skip",),
           default=""),
    Option("--quick", "BENCH_QUICK",
           "smoke run: 20,000 records, 15 s of latency, 20 s of baseline, 50,000 profiles of state", ("quick",),
           default=False),
    Option("--keep", "BENCH_KEEP", "keep the benchmark's topics, keyspaces and databases", ("keep",), default=False),
    Option("--seed", "BENCH_SEED", "generator seed", ("seed",), default=20261127),
    Option("--label", "BENCH_LABEL", "free text stored with the results", ("label",), default=""),
)

CONSUMER_OPTIONS = (*KAFKA, *TOPIC, *DLQ_TOPIC, *CASSANDRA, *CASSANDRA_WRITES, *MONGO, *CHECKPOINT, *QUERY, *STREAM,
                    *CONSUMER, *LOG_LEVEL)
PRODUCER_OPTIONS = (*KAFKA, *TOPIC, *PRODUCER, *LOG_LEVEL)
OBSERVE_OPTIONS = (*KAFKA, *TOPIC, *DLQ_TOPIC, *CASSANDRA, *MONGO, *CHECKPOINT, *QUERY, *OBSERVE, *LOG_LEVEL)
DLQ_OPTIONS = (*DLQ, *OBSERVE_OPTIONS)
DASHBOARD_OPTIONS = (*DASHBOARD, *OBSERVE_OPTIONS)
BENCH_OPTIONS = (*BENCH, *LOG_LEVEL)
# Every program's options: make status and reconcile take the observers' (OBSERVE_OPTIONS).
PROGRAM_OPTIONS = {"consumer": CONSUMER_OPTIONS, "producer": PRODUCER_OPTIONS, "observe": OBSERVE_OPTIONS,
                   "dlq": DLQ_OPTIONS, "dashboard": DASHBOARD_OPTIONS, "bench": BENCH_OPTIONS}
