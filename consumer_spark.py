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

    from userprofiles.errors import cause_line
    from userprofiles.pipeline import BatchHandler, start_query
    from userprofiles.spark_runtime import build_spark
    from userprofiles.sinks.cassandra import CassandraConf
    from userprofiles.sinks.mongo import MongoConf

    spark = build_spark(args)
    handler = BatchHandler(args, CassandraConf.from_args(args), MongoConf.from_args(args))
    query = start_query(spark, args, handler)
    signal.signal(signal.SIGTERM, _interrupt)  # stop like Ctrl-C: the current batch ends, or is replayed
    log.info("reading %s from %s (checkpoint %s)%s", args.topic, args.bootstrap_servers, args.checkpoint,
             ", until caught up" if args.available_now else "; Ctrl-C to stop")
    try:
        query.awaitTermination()
    except KeyboardInterrupt:
        log.info("stopping")
        query.stop()
    except Exception as exc:  # StreamingQueryException: the batch failed after its retries
        print(f"consumer_spark.py: error: the stream stopped: {cause_line(exc, args.checkpoint)}", file=sys.stderr)
        return 1
    finally:
        log.info("totals: %s", " ".join(f"{k}={v}" for k, v in handler.totals.items()))
    return 0


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
