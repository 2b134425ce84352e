"""One consumer per checkpoint. Two queries on one checkpoint write over each other's offsets, and Spark only
notices at the second one's first micro-batch (with a Java stack trace); so the consumer takes an exclusive
flock on a file of its checkpoint folder before Spark starts and keeps it for the life of the driver. The
kernel releases a flock when its process ends, however it ends (kill -9 too): a crashed consumer never
leaves it stuck. The holder's pid is written in the file, for the refusal's message."""
from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path
from urllib.parse import urlparse

LOCK_FILE = "consumer.lock"
log = logging.getLogger(__name__)
_held: list[int] = []  # the descriptors of the locks this process holds, open until it exits


class CheckpointInUse(Exception):
    def __init__(self, folder: Path, pid: str):
        self.pid = pid
        super().__init__(f"the checkpoint {folder} is in use by the consumer with pid {pid or 'unknown'}; stop it "
                         f"first (make down stops leftovers of make run)")


def local_folder(checkpoint: str) -> Path | None:
    """The local folder of CHECKPOINT, or None for another filesystem's URI (hdfs://, s3a://...)."""
    url = urlparse(checkpoint)
    if not url.scheme:
        return Path(checkpoint)
    return Path(url.path) if url.scheme == "file" else None


def hold(checkpoint: str) -> int | None:
    """Lock CHECKPOINT for this process (its folder is created when missing); raises CheckpointInUse when
    another process holds it. None when there is nothing to lock here: a remote checkpoint, or a folder this
    user cannot write (the preflight check then names the cause)."""
    folder = local_folder(checkpoint)
    if folder is None:
        log.debug("checkpoint %s is not on a local filesystem: no lock against a second consumer", checkpoint)
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        log.debug("no lock on checkpoint %s (%s)", folder, exc)
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        pid = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        os.close(fd)
        raise CheckpointInUse(folder, pid) from None
    except OSError as exc:  # e.g. a filesystem without locks
        os.close(fd)
        log.debug("no lock on checkpoint %s (%s)", folder, exc)
        return None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    _held.append(fd)
    return fd
