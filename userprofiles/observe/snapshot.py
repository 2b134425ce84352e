"""What one look at the stores found: every figure of `make status` and the dashboard, or, for a store that
did not answer, its one-line error (StoreDown) in place of its figures."""
from __future__ import annotations

from dataclasses import dataclass, field

from userprofiles.consumer.consumer_group import BatchNote
from userprofiles.observe import figures


class StoreDown(RuntimeError):
    """A store did not answer: the message is one line naming it, its address and the fix."""


@dataclass(frozen=True)
class RowCount:
    rows: int
    estimated: bool
    how: str   # what the figure is, in words


@dataclass
class Snapshot:
    taken_at: float
    seconds: float = 0.0                       # how long reading everything took
    errors: dict = field(default_factory=dict)  # "kafka" | "cassandra" | "mongodb" | "group" -> message
    rows: RowCount | None = None
    collections: dict | None = None            # name -> figures.CollectionFigures
    dlq_total: int | None = None               # messages in the dead-letter topic
    dlq_scanned: list = field(default_factory=list)  # the latest dead letters read (DeadLetter), oldest first
    lags: list | None = None                   # figures.PartitionLag per partition of the topic
    note: BatchNote | None = None              # the consumer's newest committed micro-batch (its group commit)
    produced: int | None = None                # the topic's end offsets, summed
    part_seconds: dict = field(default_factory=dict)  # store -> seconds its reads took

    @property
    def profiles(self) -> int | None:
        return None if self.collections is None else figures.distinct_profiles(self.collections)
