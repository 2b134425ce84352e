"""Logging set-up shared by the entry points: one line per event, on stderr."""
import logging


def setup_logging(level: str = "INFO") -> None:
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    # The drivers' own INFO chatter (connection pools, topology) is not the pipeline's story.
    for noisy in ("cassandra", "pymongo", "py4j", "kafka"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
