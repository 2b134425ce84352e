"""Spark Structured Streaming consumer: Kafka `users_profiles` -> Cassandra + MongoDB analytics.

    spark-submit consumer_spark.py [--available-now] [--help]
"""
import logging
import signal
import sys

from userprofiles.config import consumer_parser
from userprofiles.logs import setup_logging


def main(argv=None) -> int:
    args = consumer_parser().parse_args(argv)
    setup_logging(args.log_level)
    log = logging.getLogger("consumer")

    from userprofiles import preflight
    try:
        preflight.run_all(args)
    except preflight.PreflightError as exc:
        print(f"consumer_spark.py: error: {exc}", file=sys.stderr)
        return 2

    log.info("Cassandra writes at consistency %s (keyspace %s)", args.consistency, args.keyspace)
    from userprofiles.errors import cause_line
    from userprofiles.pipeline import BatchHandler, start_query
    from userprofiles.spark_runtime import build_spark
    from userprofiles.sinks.cassandra import CassandraConf
    from userprofiles.sinks.mongo import MongoConf

    from userprofiles.progress import Metrics, ProgressListener

    spark = build_spark(args)
    listener = ProgressListener(Metrics(args.metrics_port) if args.metrics_port else None)
    spark.streams.addListener(listener)
    handler = BatchHandler(args, CassandraConf.from_args(args), MongoConf.from_args(args), progress=listener)
    query = start_query(spark, args, handler)
    if args.ui:
        port = (spark.sparkContext.uiWebUrl or "").rsplit(":", 1)[-1]  # the next free port if --ui-port was taken
        log.info("Spark UI: http://127.0.0.1:%s (Structured Streaming tab: query users_profiles)", port)
    if args.metrics_port:
        log.info("Prometheus metrics: http://127.0.0.1:%d/metrics", args.metrics_port)
    signal.signal(signal.SIGTERM, _interrupt)  # stop like Ctrl-C: the current batch ends, or is replayed
    # Ctrl-C or a SIGTERM to the process group interrupts Py4J mid-call, and reaches the JVM too, which may
    # already be shutting down: Py4J then logs tracebacks that say nothing useful (failures of the query
    # itself come as the exception of awaitTermination).
    for log_handler in logging.getLogger().handlers:
        log_handler.addFilter(lambda record: "py4j" not in record.pathname)
    log.info("reading %s from %s (checkpoint %s)%s", args.topic, args.bootstrap_servers, args.checkpoint,
             ", until caught up" if args.available_now else "; Ctrl-C to stop")
    try:
        query.awaitTermination()
    except KeyboardInterrupt:
        log.info("stopping")
        try:
            query.stop()
        except Exception:
            pass
    except Exception as exc:  # StreamingQueryException: the batch failed after its retries
        print(f"consumer_spark.py: error: the stream stopped: {cause_line(exc, args.checkpoint)}", file=sys.stderr)
        return 1
    finally:
        listener.drain()
        log.info("totals: %s", " ".join(f"{k}={v}" for k, v in handler.totals.items()))
    return 0


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
