"""What the status, `make dlq` and the dashboard show, computed from what was read. Pure functions: the
unit tests check them without any service."""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from userprofiles.domain.analytics import AGE_GROUPS, COLLECTIONS

AGE_ORDER = [f"{lo}-{hi}" for lo, hi in AGE_GROUPS] + ["65+"]
TITLES = {"by_nationality": "Profiles by nationality", "by_gender": "Profiles by gender",
          "by_age_group": "Profiles by age group", "by_email_domain": "Profiles by e-mail domain"}


# --- analytics -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CollectionFigures:
    name: str
    keys: int             # keys holding at least one profile
    profiles: int         # the sum of their counts
    bars: list            # [(key, count)] to draw: the top N by count, or every age group in order


def counts(docs: Iterable[Mapping]) -> dict[str, int]:
    """key -> count of the documents holding profiles. A document whose count fell to 0 (its profiles
    moved to other keys) is absent, as if it had never been written."""
    out = {}
    for d in docs:
        c = d.get("count") or 0
        if c > 0:
            out[str(d["_id"])] = int(c)
    return out


def collection_figures(name: str, docs: Iterable[Mapping], top: int = 15) -> CollectionFigures:
    by_key = counts(docs)
    if name == "by_age_group":
        # In age order, every group (0 where none), and any unexpected key after them.
        bars = [(g, by_key.get(g, 0)) for g in AGE_ORDER] + sorted((k, v) for k, v in by_key.items()
                                                                   if k not in AGE_ORDER)
    else:
        bars = sorted(by_key.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return CollectionFigures(name, len(by_key), sum(by_key.values()), bars)


def all_collection_figures(analytics: Mapping[str, Iterable[Mapping]], top: int = 15) -> dict:
    return {name: collection_figures(name, analytics.get(name, []), top) for name in COLLECTIONS}


def distinct_profiles(figs: Mapping[str, CollectionFigures]) -> int:
    """Profiles counted by the analytics: each is in exactly one gender key (unknown included)."""
    return figs["by_gender"].profiles if "by_gender" in figs else 0


# --- Kafka offsets and lag -----------------------------------------------------------------------------

@dataclass(frozen=True)
class PartitionLag:
    partition: int
    end: int                 # the topic's end offset (the next offset to be written)
    committed: int | None    # the consumer's committed offset; None when it has not read this partition
    lag: int                 # messages written but not yet committed by the consumer


def partition_lags(watermarks: Mapping[int, tuple[int, int]], committed: Mapping[int, int] | None
                   ) -> list[PartitionLag]:
    """watermarks: partition -> (low, end) of the topic; committed: from the checkpoint (None: no checkpoint,
    so everything the topic holds is lag)."""
    out = []
    for p in sorted(watermarks):
        low, end = watermarks[p]
        c = (committed or {}).get(p)
        out.append(PartitionLag(p, end, c, max(0, end - (c if c is not None else low))))
    return out


# --- throughput ----------------------------------------------------------------------------------------

def rate_from_samples(samples: Sequence[tuple[float, int]]) -> list[tuple[float, float]]:
    """(time, total) samples of an ever-growing count -> (time, increase per second) between samples."""
    pairs = zip(samples, samples[1:], strict=False)
    return [(t1, max(0, n1 - n0) / (t1 - t0)) for (t0, n0), (t1, n1) in pairs if t1 > t0]


# --- dead letters --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DeadLetter:
    partition: int            # where the dead letter is in the dead-letter topic
    offset: int
    reason: str
    source_topic: str | None
    source_partition: int | None
    source_offset: int | None
    payload_bytes: int | None
    payload_redacted: str | None  # the redacted copy, as stored (None when the message was not a JSON object)
    headers: dict = field(default_factory=dict)
    written_ms: int = 0       # the dead letter's own Kafka timestamp


UNREADABLE = "(dead letter not readable as JSON)"


def decode_dead_letter(value: bytes | None, headers: Sequence[tuple[str, bytes]] | None, partition: int,
                       offset: int, written_ms: int = 0) -> DeadLetter:
    try:
        body = json.loads(value) if value else None
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        body = {}
    hdrs = {}
    for k, v in headers or []:
        hdrs[k] = v.decode("utf-8", "replace") if isinstance(v, (bytes, bytearray)) else ("" if v is None else str(v))
    return DeadLetter(partition, offset, str(body.get("reason") or hdrs.get("reason") or UNREADABLE),
                      body.get("source_topic"), body.get("source_partition"), body.get("source_offset"),
                      body.get("payload_bytes"), body.get("payload_redacted"), hdrs,
                      written_ms)


def reason_counts(letters: Iterable[DeadLetter]) -> list[tuple[str, int]]:
    """(reason, count), most frequent first."""
    return sorted(Counter(d.reason for d in letters).items(), key=lambda kv: (-kv[1], kv[0]))


def shorten(text: str | None, width: int) -> str:
    if text is None:
        return ""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def thousands(n: int | float | None) -> str:
    return "—" if n is None else f"{n:,.0f}"
