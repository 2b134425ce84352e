"""One line for a failure: the cause and the fix, instead of the many lines that Spark and the drivers print."""
from __future__ import annotations


class BatchFailed(RuntimeError):
    """A micro-batch failed for good (a sink past its retry budget); the message names the batch."""


# Causes that Spark reports in many lines (text to look for: the line to print), with the fix it does not give.
_KAFKA_FIX = "start it (make up) or fix --bootstrap-servers, then rerun: the batch is replayed from the checkpoint"
KNOWN_CAUSES = {
    "Some data may have been lost": "Some data may have been lost: the checkpoint points past the topic's data "
                                    "(the topic was recreated or its retention deleted it); start from a new "
                                    "checkpoint: delete {checkpoint} (make clean does) or choose another --checkpoint",
    # The Kafka source's fetch gives up after 2 minutes without a broker.
    "Cannot fetch record for offset": "Kafka did not answer for 2 minutes while the batch read the topic; " + _KAFKA_FIX,
}
# Our own exceptions carry their one line after their name, wherever Spark nests them.
MARKERS = ("BatchFailed: ", "SinkUnavailable: ", "RuntimeError: ")


def cause_line(exc: BaseException, checkpoint: str = "") -> str:
    text = str(exc)
    for cause, line in KNOWN_CAUSES.items():
        if cause in text:
            return f"{line.format(checkpoint=checkpoint)}."
    for marker in MARKERS:
        if marker in text:
            return text.split(marker, 1)[1].splitlines()[0]
    return text.strip().splitlines()[0][:300] if text.strip() else type(exc).__name__
