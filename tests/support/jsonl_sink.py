"""A sink of the tests' own, to show that a new sink is one file (this one) and one registration line
(tests/unit/consumer/test_write_protocol.py): the upserted profiles of each micro-batch as JSON Lines in a
folder, one file per micro-batch."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path

from userprofiles.config.option_row import Option
from userprofiles.sinks import Batch, CommitMessage, StreamSink, TaskRows


@dataclass(frozen=True)
class JsonLinesSettings:
    folder: str = ""


class JsonLinesSink(StreamSink):
    """Each task writes its rows to a part file of its own (write); once every task has written, the driver
    joins the micro-batch's parts into batch-<id>.jsonl, whole or not at all (commit). A replayed micro-batch
    writes the same file again."""
    name = "jsonl"
    section = "jsonl"
    Settings = JsonLinesSettings
    OPTIONS = (Option("--jsonl-folder", "CONSUMER_JSONL_FOLDER", "folder of the JSON Lines files", ("jsonl.folder",),
                      default=JsonLinesSettings.folder),)
    settings: JsonLinesSettings

    def open(self) -> None:
        Path(self.settings.folder).mkdir(parents=True, exist_ok=True)

    def write(self, rows: TaskRows) -> CommitMessage:
        part = Path(self.settings.folder) / f".batch-{rows.batch_id}-{uuid.uuid4().hex}.part"
        lines = [json.dumps(r, sort_keys=True) + "\n" for r in rows.upserts.to_pylist()]
        part.write_text("".join(lines))
        return CommitMessage({"rows": len(lines)}, data=part.name)

    def commit(self, messages, batch: Batch) -> dict[str, int]:
        folder = Path(self.settings.folder)
        target = folder / f"batch-{batch.batch_id}.jsonl"
        tmp = target.with_suffix(".tmp")
        with open(tmp, "w") as out:
            for m in messages:
                out.write((folder / m.data).read_text())
        tmp.replace(target)
        for m in messages:
            (folder / m.data).unlink()
        return {"rows": sum(m.counts["rows"] for m in messages), "files": 1}
