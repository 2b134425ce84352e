"""Spark Structured Streaming consumer: Kafka `users_profiles` -> Cassandra profiles + MongoDB analytics.

    spark-submit consumer_spark.py [--available-now] [--checkpoint DIR] [--help]

Every flag has an environment variable (see --help); the settings are read once, here, checked against the
services (preflight.py), then the query runs (userprofiles/consumer/job.py) until Ctrl-C, SIGTERM or, with
--available-now, the end of what the topic holds.
"""
import dataclasses
import logging
import signal
import sys

from userprofiles.config.logs import setup_logging
from userprofiles.config.options import consumer_parser, consumer_settings


def main(argv=None) -> int:
    settings = consumer_settings(consumer_parser().parse_args(argv))
    setup_logging(settings.log_level)
    log = logging.getLogger("consumer")

    # Before anything slow: a second consumer on a checkpoint in use is refused at once, not by Spark later.
    from userprofiles.consumer import checkpoint_lock
    try:
        checkpoint_lock.hold(settings.stream.checkpoint_dir)
    except checkpoint_lock.CheckpointInUse as exc:
        print(f"consumer_spark.py: error: {exc}", file=sys.stderr)
        return 2

    from userprofiles.consumer import preflight
    try:
        consistency = preflight.run_all(settings)
    except preflight.PreflightError as exc:
        print(f"consumer_spark.py: error: {exc}", file=sys.stderr)
        return 2
    # AUTO becomes the level itself, once, so that every executor writes at the same level.
    settings = dataclasses.replace(settings, cassandra=dataclasses.replace(settings.cassandra, consistency=consistency))
    log.info("Cassandra writes at consistency %s (keyspace %s)", consistency, settings.cassandra.keyspace)

    from userprofiles.config.errors import cause_line
    from userprofiles.consumer.consumer_group import GroupCommitter
    from userprofiles.consumer.job import start_query
    from userprofiles.consumer.progress import Metrics, ProgressListener
    from userprofiles.consumer.progress_record import ProgressRecorder
    from userprofiles.consumer.spark_runtime import build_spark
    from userprofiles.consumer.state import SeedRefused, initial_state
    from userprofiles.consumer.write_protocol import MicroBatchWriter

    stream = settings.stream
    spark = build_spark(stream, settings.log_level)
    try:
        seed = initial_state(spark, settings)
    except SeedRefused as exc:
        print(f"consumer_spark.py: error: {exc}", file=sys.stderr)
        return 2
    group = GroupCommitter(settings.kafka, stream.query_name, timeout=settings.connect_timeout)
    metrics = Metrics(settings.metrics_port, settings.metrics_host) if settings.metrics_port else None
    recorder = ProgressRecorder(settings.mongo, stream.query_name, timeout=settings.connect_timeout)
    listener = ProgressListener(metrics, group, recorder)
    spark.streams.addListener(listener)
    writer = MicroBatchWriter(settings, progress=listener)
    query = start_query(spark, writer, seed)
    if stream.ui:
        port = (spark.sparkContext.uiWebUrl or "").rsplit(":", 1)[-1]  # the next free port if --ui-port was taken
        log.info("Spark UI: http://127.0.0.1:%s (Structured Streaming tab: query %s)", port, stream.query_name)
    if settings.metrics_port:
        log.info("Prometheus metrics: http://%s:%d/metrics", settings.metrics_host, settings.metrics_port)
    signal.signal(signal.SIGTERM, _interrupt)  # stop like Ctrl-C: the current micro-batch ends, or is replayed
    # Ctrl-C or a SIGTERM to the process group interrupts Py4J mid-call, and reaches the JVM too, which may
    # already be shutting down: Py4J then logs tracebacks that say nothing useful (failures of the query
    # itself come as the exception of awaitTermination). At DEBUG they are kept: then every trace is wanted.
    if settings.log_level != "DEBUG":
        for log_handler in logging.getLogger().handlers:
            log_handler.addFilter(lambda record: "py4j" not in record.pathname)
    log.info("reading %s from %s (checkpoint %s; offsets shown in the consumer group %s)%s", settings.kafka.topic,
             settings.kafka.bootstrap_servers, stream.checkpoint_dir, stream.query_name,
             ", until caught up" if stream.available_now else "; Ctrl-C to stop")
    try:
        query.awaitTermination()
    except KeyboardInterrupt:
        log.info("stopping")
        try:
            query.stop()
        except Exception:
            pass
    except Exception as exc:  # StreamingQueryException: the micro-batch failed after its retries
        print(f"consumer_spark.py: error: the stream stopped: {cause_line(exc, stream.checkpoint_dir)}",
              file=sys.stderr)
        return 1
    finally:
        listener.drain()
        writer.close()
        group.close()
        recorder.close()
        log.info("totals: %s", " ".join(f"{k}={v}" for k, v in writer.totals.items()))
    return 0


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
