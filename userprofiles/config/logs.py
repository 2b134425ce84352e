"""Logging set-up shared by the entry points: one line per event, on stderr."""
import logging


def setup_logging(level: str = "INFO") -> None:
    """`level` is one of settings.LOG_LEVELS (the option's choices refuse any other)."""
    logging.basicConfig(level=getattr(logging, level.upper()),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    # The drivers' own INFO chatter (connection pools, topology) is not the pipeline's story; at DEBUG it is
    # asked for, but not their DEBUG, which is one line per packet or Py4J command.
    quiet = logging.INFO if level.upper() == "DEBUG" else logging.WARNING
    for noisy in ("cassandra", "pymongo", "py4j", "kafka"):
        logging.getLogger(noisy).setLevel(quiet)
    # Py4J's callback server reports, with its traceback, an exception that the consumer's foreachBatch raises
    # on purpose to fail the micro-batch, which the consumer then says in one line (the cause and the fix),
    # like Spark's own reports of it (spark_runtime.FAILURE_REPORTERS). At DEBUG it is kept.
    if level.upper() != "DEBUG":
        logging.getLogger("py4j.clientserver").setLevel(logging.CRITICAL)


class FailureOnce:
    """A side task that must never stop the stream (the consumer group's commit, the progress record): its
    failure is logged once until it works again, and its recovery once."""

    def __init__(self, log: logging.Logger):
        self.log = log
        self.failing = False

    def failed(self, message: str, *args) -> None:
        if not self.failing:
            self.log.warning(message, *args)
        self.failing = True

    def worked(self, message: str, *args) -> None:
        if self.failing:
            self.log.info(message, *args)
        self.failing = False
