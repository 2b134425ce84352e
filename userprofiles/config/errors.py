"""One line for a failure: the cause and the fix, instead of the many lines that Spark and the drivers print."""
from __future__ import annotations

import re


class BatchFailed(RuntimeError):
    """A micro-batch failed for good (a sink past its retry budget); the message names the micro-batch."""


# Causes that Spark reports in many lines (text to look for: the line to print), with the fix it does not give.
_KAFKA_FIX = ("start it (make up) or fix --bootstrap-servers, then rerun: the micro-batch is replayed from the "
              "checkpoint")
KNOWN_CAUSES = {
    "Some data may have been lost": "Some data may have been lost: the checkpoint points past the topic's data "
                                    "(the topic was recreated or its retention deleted it); start from a new "
                                    "checkpoint: delete {checkpoint} (make clean does) or choose another --checkpoint",
    # The Kafka source's fetch gives up after 2 minutes without a broker.
    "Cannot fetch record for offset": "Kafka did not answer for 2 minutes while the micro-batch read the topic; "
                                      + _KAFKA_FIX,
}
# Our own exceptions carry their one line after their name, wherever Spark nests them.
MARKERS = ("BatchFailed: ", "SinkUnavailable: ", "SinkRefused: ", "RuntimeError: ")


# A Python exception's own line inside Spark's text ("TypeError: ...", "cassandra.InvalidRequest: ..."), rather
# than Py4J's wrapper: the last such line of a traceback is the exception that ended it.
_PYTHON_ERROR = re.compile(r"^((?:[a-z_]\w*\.)*[A-Z]\w*): (.+)$", re.M)
_UNKNOWN_FIX = ("the traceback above says where; fix the cause and rerun: the micro-batch is replayed from the "
                "checkpoint")


def short(exc: BaseException, width: int = 160) -> str:
    """An exception in one line: its class and the start of its message, whitespace folded."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:width]}" if text else type(exc).__name__


def cause_line(exc: BaseException, checkpoint: str = "") -> str:
    text = str(exc)
    for cause, line in KNOWN_CAUSES.items():
        if cause in text:
            return f"{line.format(checkpoint=checkpoint)}."
    for marker in MARKERS:
        if marker in text:
            return text.split(marker, 1)[1].splitlines()[0]
    found = _PYTHON_ERROR.findall(text.split("Traceback (most recent call last):")[-1])
    if found:
        name, message = found[-1]
        return f"{name.rsplit('.', 1)[-1]}: {message[:300]}; {_UNKNOWN_FIX}"
    first = text.strip().splitlines()[0][:300] if text.strip() else type(exc).__name__
    return f"{first}; {_UNKNOWN_FIX}"
