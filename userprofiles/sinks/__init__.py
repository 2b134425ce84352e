"""Where the pipeline writes, and the one contract every writer keeps: Spark's own for a streaming sink
(pyspark.sql.datasource.DataSourceStreamWriter), in the consumer's write protocol
(consumer/write_protocol.py).

A sink is one class in one file, registered by one line in registry.py:

- its settings: a section of the consumer's settings (`section`; its own, declared beside it with its options
  in `OPTIONS`, or a service's section that others read too: cassandra, mongo, kafka);
- `preflight(settings)`, on the driver before Spark starts: checks what it writes to, one line naming the cause
  and the fix when it cannot (SinkRefused);
- `describe(settings)`: a line on how it will write, logged at start once every check has passed;
- `open()` / `close()`: what it holds while it writes (the process's connections, sinks/connections.py, which
  outlive one task: connecting costs seconds; they are closed when the process ends);
- `write(rows)`, in each task on the executors: its share of the micro-batch's changes (TaskRows); returns a
  CommitMessage with the counts it names itself, and what its commit needs;
- `commit(messages, batch)`, on the driver once every task has written: applies what must be applied once per
  micro-batch (the analytics) and returns the micro-batch's counts.

Every write is idempotent or guarded by the micro-batch (docs/fault-tolerance.md): a replayed micro-batch
writes the same again. A write that cannot reach its service past its retry budget raises SinkUnavailable,
which fails the micro-batch; Spark replays it from the checkpoint.
"""
from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple, Self

from userprofiles.sinks.retry import SinkRefused, SinkUnavailable  # noqa: F401  (the contract's errors)


class DeadRecord(NamedTuple):
    """A message that is no profile, with why and where it came from."""
    reason: str
    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    value: bytes | None


class Batch(NamedTuple):
    """A micro-batch: the query's id (stable across restarts from one checkpoint) and the micro-batch's id."""
    query_id: str
    batch_id: int


@dataclass
class TaskRows:
    """One task's share of a micro-batch's changes, as the state operator made them (Arrow record batches):
    `upserts`, the latest copy of each changed profile (domain.profile.PROFILE_COLUMNS and the PREVIOUS ones it
    was counted under); `deletes`, the profiles whose latest copy is 13 or younger (identifiant and PREVIOUS);
    `dead`, the messages that are no profile."""
    batch_id: int
    upserts: Any
    deletes: Any
    dead: list[DeadRecord] = field(default_factory=list)


@dataclass
class CommitMessage:
    """What a sink's write did in one task, for its commit on the driver: counts named by the sink (the protocol
    shows them as `<sink>.<count>`), and data that its commit applies (JSON: it travels in the task's result)."""
    counts: dict[str, int] = field(default_factory=dict)
    data: Any = None

    def to_json(self) -> str:
        return json.dumps({"counts": self.counts, "data": self.data})

    @staticmethod
    def from_json(text: str) -> CommitMessage:
        d = json.loads(text)
        return CommitMessage(d["counts"], d["data"])


def summed(messages: Sequence[CommitMessage]) -> dict[str, int]:
    """The counts of MESSAGES added up."""
    out: dict[str, int] = {}
    for m in messages:
        for k, v in m.counts.items():
            out[k] = out.get(k, 0) + v
    return out


class StreamSink(ABC):
    """The contract above. `name` prefixes the sink's counts; `section` names its settings."""
    name: ClassVar[str]
    section: ClassVar[str]
    OPTIONS: ClassVar[tuple] = ()          # its own options (config/option_row.Option), when its section is its own
    Settings: ClassVar[type | None] = None  # the dataclass of its own section

    def __init__(self, *, settings: Any) -> None:
        self.settings = settings

    @classmethod
    def from_settings(cls, settings) -> Self:
        """The sink of the consumer's SETTINGS (config/settings.ConsumerSettings): its section."""
        return cls(settings=settings.section(cls.section))

    @classmethod
    def preflight(cls, settings):
        """Check the sink's service before Spark starts; returns SETTINGS, with the sink's section resolved where
        it had to be (e.g. a consistency level chosen from the keyspace). SinkRefused when it cannot write."""
        return settings

    @classmethod
    def describe(cls, settings) -> str | None:
        """One line on how it will write with SETTINGS (preflight's), logged once every check has passed."""
        return None

    def open(self) -> None:  # noqa: B027 - a sink that holds nothing needs none
        pass

    @abstractmethod
    def write(self, rows: TaskRows) -> CommitMessage:
        """Executors: write one task's share; the counts of what was written."""

    def commit(self, messages: Sequence[CommitMessage], batch: Batch) -> dict[str, int]:
        """Driver, once per micro-batch, after every task's write: the micro-batch's counts."""
        return summed(messages)

    def close(self) -> None:  # noqa: B027 - its connections are the process's (connections.py)
        pass
