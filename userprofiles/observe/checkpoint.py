"""The consumer's progress, read from its Structured Streaming checkpoint, which is the truth of what it
has written: Spark writes offsets/N (the Kafka offsets micro-batch N reads up to) before the micro-batch, and
commits/N after the micro-batch's sinks have finished. So the offsets of the newest N that has a commits/N are
the consumer's committed offsets, and the commit file's modification time is when that micro-batch was done.

Spark keeps the last 100 batches of both logs, which is the history the dashboard plots.

An offsets file:
    v1
    {"batchWatermarkMs":0,"batchTimestampMs":1764323000000,"conf":{...}}
    {"users_profiles":{"0":1234,"1":1200,"2":1190}}
(one line per source after the metadata; "-" for a source without offsets).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


class CheckpointError(ValueError):
    pass


@dataclass(frozen=True)
class Batch:
    id: int
    offsets: dict      # partition -> the next offset to read after this micro-batch (exclusive end)
    committed_at: float  # epoch seconds: the modification time of commits/N


def parse_offsets(text: str, topic: str) -> dict[int, int]:
    """The end offsets of TOPIC in one offsets/N file's text; {} when the micro-batch has none for it."""
    lines = text.splitlines()
    if not lines or not lines[0].startswith("v"):
        raise CheckpointError(f"not a Spark offsets file (first line {lines[0][:20] if lines else ''!r})")
    for line in lines[2:]:
        line = line.strip()
        if not line or line == "-":
            continue
        try:
            source = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CheckpointError(f"unreadable source offsets line: {exc}") from None
        if isinstance(source, dict) and isinstance(source.get(topic), dict):
            return {int(p): int(o) for p, o in source[topic].items()}
    return {}


def _ids(folder: Path) -> list[int]:
    # Spark also leaves .N.crc and temporary files there: only plain numbers are batches.
    return sorted(int(p.name) for p in folder.iterdir() if p.name.isdigit()) if folder.is_dir() else []


def committed_batches(checkpoint: str | Path, topic: str, last: int = 100) -> list[Batch]:
    """The last LAST committed batches, oldest first. Raises CheckpointError when there is no checkpoint."""
    root = Path(checkpoint)
    if not (root / "offsets").is_dir():
        raise CheckpointError(f"no consumer checkpoint at {root} (the consumer has not run with it yet)")
    committed = set(_ids(root / "commits"))
    out = []
    for n in [i for i in _ids(root / "offsets") if i in committed][-last:]:
        try:
            offsets = parse_offsets((root / "offsets" / str(n)).read_text(), topic)
            mtime = (root / "commits" / str(n)).stat().st_mtime
        except FileNotFoundError:
            continue  # Spark purged it between the listing and the read
        out.append(Batch(n, offsets, mtime))
    return out


def committed_offsets(batches: list[Batch]) -> dict[int, int]:
    """Partition -> committed offset: the newest micro-batch's ends (a partition absent from it keeps the end
    of the last micro-batch that had it)."""
    out: dict[int, int] = {}
    for b in batches:
        out.update(b.offsets)
    return out
