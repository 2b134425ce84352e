"""Spark Structured Streaming consumer: Kafka `users_profiles` -> Cassandra profiles + MongoDB analytics.

    spark-submit consumer_spark.py [--available-now] [--checkpoint DIR] [--help]

Every flag has an environment variable (see --help); the settings are read once, here, checked against the
services (preflight.py), then the query runs (userprofiles/consumer/job.py) until Ctrl-C, SIGTERM or, with
--available-now, the end of what the topic holds. Then it stops in order: the query, the clients of the
services, Spark.
"""
import logging
import signal
import sys
import threading

from userprofiles.config.logs import setup_logging
from userprofiles.config.options import consumer_parser, consumer_settings

log = logging.getLogger("consumer")


def main(argv=None) -> int:
    settings = consumer_settings(consumer_parser().parse_args(argv))
    setup_logging(settings.log_level)
    stop = StopRequest()
    from userprofiles.sinks import connections
    try:
        return run(settings, stop)
    finally:
        connections.close_all()   # what the driver opened: preflight's and the seed's sessions, the analytics' client


def run(settings, stop) -> int:
    # Before anything slow: a second consumer on a checkpoint in use is refused at once, not by Spark later.
    from userprofiles.consumer import checkpoint_lock
    try:
        checkpoint_lock.hold(settings.stream.checkpoint_dir)
    except checkpoint_lock.CheckpointInUse as exc:
        return _error(exc)

    from userprofiles.consumer import preflight
    try:
        settings = preflight.run_all(settings)   # each sink's check may resolve its settings (a consistency)
    except preflight.PreflightError as exc:
        return _error(exc)
    for line in preflight.descriptions(settings):
        log.info("%s", line)
    if stop.requested:
        return 0

    from userprofiles import internals
    from userprofiles.consumer import jvm, spark_runtime
    spark = spark_runtime.build_spark(settings.stream, settings.log_level)
    try:
        if not internals.jvm_piece_loaded(spark):
            return _error(jvm.NOT_LOADED)
        return run_query(spark, settings, stop)
    finally:
        spark_runtime.stop(spark)


def run_query(spark, settings, stop) -> int:
    from userprofiles import internals
    from userprofiles.config.errors import cause_line
    from userprofiles.consumer.consumer_group import GroupCommitter
    from userprofiles.consumer.job import start_query
    from userprofiles.consumer.progress import Metrics, ProgressListener
    from userprofiles.consumer.progress_record import ProgressRecorder
    from userprofiles.consumer.spark_runtime import stop_query
    from userprofiles.consumer.state import SeedRefused, initial_state
    from userprofiles.consumer.write_protocol import MicroBatchWriter

    stream = settings.stream
    try:
        seed = initial_state(spark, settings)
    except SeedRefused as exc:
        return _error(exc)
    group = GroupCommitter(settings.kafka, stream.query_name, timeout=settings.connect_timeout)
    metrics = Metrics(settings.metrics_port, settings.metrics_host) if settings.metrics_port else None
    recorder = ProgressRecorder(settings.mongo, stream.query_name, timeout=settings.connect_timeout)
    listener = ProgressListener(metrics, group, recorder)
    jlistener = internals.add_progress_listener(spark, listener)
    writer = MicroBatchWriter(settings, progress=listener)
    try:
        query = start_query(spark, writer, seed)
        stop.on_request(lambda: stop_query(spark, query, settings.log_level))
        if stream.ui:
            port = (spark.sparkContext.uiWebUrl or "").rsplit(":", 1)[-1]  # the next free port if --ui-port was taken
            log.info("Spark UI: http://127.0.0.1:%s (Structured Streaming tab: query %s)", port, stream.query_name)
        if settings.metrics_port:
            log.info("Prometheus metrics: http://%s:%d/metrics", settings.metrics_host, settings.metrics_port)
        log.info("reading %s from %s (checkpoint %s; offsets shown in the consumer group %s)%s", settings.kafka.topic,
                 settings.kafka.bootstrap_servers, stream.checkpoint_dir, stream.query_name,
                 ", until caught up" if stream.available_now else "; Ctrl-C to stop")
        try:
            query.awaitTermination()   # returns once stop() ended the query; raises when the query failed
        except Exception as exc:  # StreamingQueryException: the micro-batch failed after its retries
            print(f"consumer_spark.py: error: the stream stopped: {cause_line(exc, stream.checkpoint_dir)}",
                  file=sys.stderr)
            return 1
        return 0
    finally:
        internals.remove_progress_listener(spark, jlistener)
        listener.drain()
        writer.close()
        group.close()
        recorder.close()
        log.info("totals: %s", " ".join(f"{k}={v}" for k, v in writer.totals.items()))


class StopRequest:
    """Ctrl-C and SIGTERM ask the query to stop; the main thread then stops the rest in order. The query is
    stopped from a thread of its own: raising in the main thread would interrupt whatever call to the JVM it
    is in. A signal to spark-submit's JVM alone reaches this driver too, before Spark's own shutdown
    (internals.stop_driver_first)."""

    def __init__(self):
        self._stop = None
        self._requested = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._signalled)

    def _signalled(self, signum, _frame) -> None:
        if self._requested.is_set():
            return   # stopping already
        self._requested.set()
        log.info("stopping (%s): the current micro-batch ends, or is replayed at the next start",
                 signal.Signals(signum).name)
        if self._stop is not None:
            threading.Thread(target=self._stop, name="stop-query", daemon=True).start()

    @property
    def requested(self) -> bool:
        return self._requested.is_set()

    def on_request(self, stop) -> None:
        """STOP() ends the query: now when a stop was asked for already, else when it is."""
        self._stop = stop
        if self._requested.is_set():
            stop()


def _error(exc: Exception) -> int:
    print(f"consumer_spark.py: error: {exc}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
