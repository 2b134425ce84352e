"""Dead letters' content: the letter of a message that cannot become a row, with a copy masked by structure.

Pure Python: the executors build the letters and the tests check them with the same functions.

The copy is made from the *parsed* message, never by matching its text: every value whose key is not on
a short list of non-personal fields is replaced by "***", whatever its JSON type or depth, and key names
are compared after JSON decoding (so `"\\u0065mail"` is `email`). A message that does not parse as JSON
gets no copy at all: its reason, size, hash and position are enough to find it in the source topic.
"""
from __future__ import annotations

import hashlib
import json
import math
from typing import Any

MASK = "***"
# Characters of the copy at most: the letter's own JSON escaping can double it, and Kafka refuses
# messages over 1 MB.
MAX_COPY = 65536
# Values shown in clear in a copy: what helps to understand a refusal and says nothing about a person.
# Every other value (email, phone, cell, location, login secrets, dob, id, name, picture, and any key the
# schema does not know) is masked.
CLEAR_PATHS = frozenset({("gender",), ("nat",), ("name", "title"), ("login", "uuid"), ("registered", "date"),
                         ("registered", "age")})


def mask(value: Any, path: tuple = ()) -> Any:
    """The value with every leaf masked except those at CLEAR_PATHS (array items keep their parent's path)."""
    if isinstance(value, dict):
        return {k: mask(v, path + (str(k).lower(),)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v, path) for v in value]
    if value is None or path in CLEAR_PATHS and (isinstance(value, (str, int, bool))
                                                 or isinstance(value, float) and math.isfinite(value)):
        return value
    return MASK


def _parse(payload: bytes) -> Any:
    """The JSON document of the payload, or None when it is not UTF-8 JSON (then nothing of it is copied)."""
    try:
        doc = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return doc if isinstance(doc, (dict, list)) else None


def masked_copy(payload: bytes | None) -> tuple[str | None, bool]:
    """(copy, truncated): the masked JSON text of the message (ASCII, escapes for the rest), or None."""
    if payload is None:
        return None, False
    doc = _parse(bytes(payload))
    if doc is None:
        return None, False
    try:
        text = json.dumps(mask(doc), ensure_ascii=True, separators=(",", ":"))
    except (ValueError, RecursionError):  # NaN/Infinity are masked, so only absurd depth gets here
        return None, False
    return (text[:MAX_COPY], True) if len(text) > MAX_COPY else (text, False)


def letter(reason: str, *, topic: str, partition: int, offset: int, timestamp_ms: int | None,
           payload: bytes | None, sink: str | None = None) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """(key, value, headers) of one dead letter.

    :param reason: why the message is not a row, one line.
    :param payload: the source message's value, for its size, hash and masked copy; None when the sink
        refused an already transformed row (the source topic keeps the message at that position).
    :param sink: the sink that refused the row, when it is a sink's refusal.
    """
    body: dict[str, Any] = {"reason": reason, "source_topic": topic, "source_partition": partition,
                            "source_offset": offset, "source_timestamp_ms": timestamp_ms}
    if sink:
        body["refused_by"] = sink
    if payload is not None:
        payload = bytes(payload)
        copy, truncated = masked_copy(payload)
        body.update(payload_bytes=len(payload), payload_sha256=hashlib.sha256(payload).hexdigest())
        if copy is not None:
            body["payload_redacted"] = copy
            if truncated:
                body["payload_redacted_truncated"] = True
    key = f"{topic}:{partition}:{offset}"
    # Kafka Connect's dead-letter headers, so that tools that know them can read ours.
    headers = [("__connect.errors.topic", topic.encode()),
               ("__connect.errors.partition", str(partition).encode()),
               ("__connect.errors.offset", str(offset).encode()),
               ("__connect.errors.exception.message", reason.encode("utf-8", "backslashreplace")),
               ("__connect.errors.stage", (b"SINK_" + sink.upper().encode()) if sink else b"VALIDATION")]
    value = json.dumps(body, ensure_ascii=True, separators=(",", ":")).encode()
    return key.encode(), value, headers
