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

    from userprofiles.pipeline import BatchHandler, build_spark, start_query
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
        print(f"consumer_spark.py: error: the stream stopped: {_first_line(exc, args.checkpoint)}", file=sys.stderr)
        return 1
    finally:
        log.info("totals: %s", " ".join(f"{k}={v}" for k, v in handler.totals.items()))
    return 0


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt


# Causes Spark reports in many lines (text to look for: the line to print), with the fix it does not give.
_KAFKA_FIX = "start it (make up) or fix --bootstrap-servers, then rerun: the batch is replayed from the checkpoint"
KNOWN_CAUSES = {
    "Some data may have been lost": "Some data may have been lost: the checkpoint points past the topic's data "
                                    "(the topic was recreated or its retention deleted it); start from a new "
                                    "checkpoint: delete {checkpoint} (make clean does) or choose another --checkpoint",
    # The Kafka source's fetch and the dead-letter producer give up after 2 minutes without a broker.
    "Cannot fetch record for offset": "Kafka did not answer for 2 minutes while the batch read the topic; " + _KAFKA_FIX,
    "ms has passed since batch creation": "Kafka did not take the dead letters for 2 minutes; " + _KAFKA_FIX,
}


def _first_line(exc: BaseException, checkpoint: str = "") -> str:
    text = str(exc)
    for cause, line in KNOWN_CAUSES.items():
        if cause in text:
            return f"{line.format(checkpoint=checkpoint)}."
    for marker in ("SinkUnavailable: ", "RuntimeError: "):
        if marker in text:
            return text.split(marker, 1)[1].splitlines()[0]
    return text.strip().splitlines()[0][:300] if text.strip() else type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
