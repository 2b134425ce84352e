"""What the soak samples every 15 s, read from /proc and the file system (no service is asked): each process's
memory, threads and open files, the size of folders (the checkpoint's, each service's data), Cassandra's
SSTables. Each reading is a Sample row of the run's CSV: time, metric, subject, value."""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Sample:
    t_s: float        # seconds since the soak's start
    metric: str       # rss_mb, threads, open_files, files, mb, sstables, ...
    subject: str      # the process's role and pid (consumer-jvm:1234), or the folder's name
    value: float


def process(pid: int) -> dict[str, float] | None:
    """RSS (MB), threads and open files of PID; None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/statm").read_text().split()
        status = Path(f"/proc/{pid}/status").read_text()
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    threads = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("Threads:"))
    return {"rss_mb": int(stat[1]) * PAGE / 1e6, "threads": threads, "open_files": fds}


def role_of(pid: int) -> str:
    """consumer-jvm, py-daemon, py-worker or python for a process of the consumer's session."""
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (FileNotFoundError, ProcessLookupError):
        return "gone"
    text = b" ".join(cmd)
    if cmd and cmd[0].endswith(b"java"):
        return "consumer-jvm"
    if b"pyspark.daemon" in text:
        return "py-daemon"
    if b"pyspark.worker" in text:
        return "py-worker"
    return "python"


def folder(path: Path) -> tuple[int, int]:
    """(files, bytes) under PATH; (0, 0) when it does not exist. Files that vanish while walked are skipped."""
    files = size = 0
    for root, _, names in os.walk(path):
        for name in names:
            try:
                size += os.stat(os.path.join(root, name), follow_symlinks=False).st_size
                files += 1
            except FileNotFoundError:
                continue
    return files, size


def checkpoint(path: Path, t_s: float) -> Iterator[Sample]:
    """Files and MB of each top folder of a checkpoint (offsets, commits, state, sources, ...)."""
    if not path.is_dir():
        return
    for sub in sorted(p for p in path.iterdir() if p.is_dir()):
        files, size = folder(sub)
        yield Sample(t_s, "checkpoint_files", sub.name, files)
        yield Sample(t_s, "checkpoint_mb", sub.name, size / 1e6)


def sstables(table_dir_parent: Path, table: str) -> int:
    """Cassandra's live SSTables of TABLE: its *-Data.db files (the table's folder is TABLE-<id>)."""
    return sum(len(list(d.glob("*-Data.db"))) for d in table_dir_parent.glob(f"{table}-*") if d.is_dir())


def processes(roles: Iterable[tuple[str, int]], t_s: float) -> Iterator[Sample]:
    for role, pid in roles:
        figures = process(pid)
        if figures:
            for metric, value in figures.items():
                yield Sample(t_s, metric, f"{role}:{pid}", value)
