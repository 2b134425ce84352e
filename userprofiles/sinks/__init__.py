"""Writers at the edges of the pipeline: Cassandra rows, dead letters, MongoDB analytics.

Every sink has the same small shape: built from the consumer's settings (`from_settings`), then `open()`,
`write(writes)` once per micro-batch (or per task's share of it), `close()`. `write` returns its figures
({"written": n, ...}) and raises SinkUnavailable when its service stays unreachable past the retry budget, so
that the micro-batch fails and is replayed. write_protocol.py registers them and calls them in order. A sink
whose settings are one section of the consumer's (the profiles': cassandra, the analytics': mongo) starts from
SectionSink.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol, Self


class DeadRecord(NamedTuple):
    """A message that is no profile, with why and where it came from."""
    reason: str
    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    value: bytes | None


@dataclass
class Writes:
    """What a micro-batch asks the sinks to write. On an executor: its task's share of the rows (`upserts`, an
    Arrow record batch with the schema.PROFILE_COLUMNS, as the tasks receive them; `deletes`, `dead`); on the
    driver: the micro-batch's counter deltas (`deltas`, analytics.Totals). `query_id` and `batch_id` name the
    micro-batch, for sinks that must apply it once."""
    query_id: str
    batch_id: int
    upserts: Any = None
    deletes: list[str] = field(default_factory=list)
    dead: list[DeadRecord] = field(default_factory=list)
    deltas: dict = field(default_factory=dict)


class Sink(Protocol):
    @classmethod
    def from_settings(cls, settings) -> Sink: ...

    def open(self) -> None: ...

    def write(self, writes: Writes) -> dict[str, int]: ...

    def close(self) -> None: ...


class SectionSink:
    """The start of a sink whose settings are the section `section` of the consumer's settings: from_settings
    keeps that section as self.settings. open, write and close are each sink's own."""
    section: str   # the field of ConsumerSettings: "cassandra", "mongo"

    def __init__(self, *, settings) -> None:
        self.settings = settings

    @classmethod
    def from_settings(cls, settings) -> Self:
        return cls(settings=getattr(settings, cls.section))
