"""Starting what a phase measures: the consumer through spark-submit, producer.py at a rate, and waiting for rows."""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

from tests.support.processes import child_env, launch, run_producer, spark_cmd


def spark(script: Path, args: list[str], log_path: Path) -> subprocess.Popen:
    """spark-submit of SCRIPT as the consumer role, in a session of its own (so that stopping it stops its
    Python workers too)."""
    return launch(spark_cmd(args, script), log_path, child_env("consumer"))


def offer(topic: str, path: Path, rate: float) -> float:
    """producer.py sends the records of `path` (pre-generated) at `rate` msg/s; the seconds it took."""
    t = time.time()
    res = run_producer(["--source", f"file:{path}", "--topic", topic, "--rate", str(rate),
                        "--messages-per-iteration", "100", "--log-level", "WARNING"], timeout=None)
    if res.returncode != 0:
        raise SystemExit(f"bench: error: producer.py failed: {res.stderr[-2000:]}")
    return time.time() - t


def wait_rows(sb, n: int, proc, log_path: Path, timeout: float) -> float | None:
    """Wait until the sandbox's table holds n rows; the time it did, or None at the timeout."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if sb.row_count() >= n:
                return time.time()
        except Exception:
            pass  # the keyspace is not there yet
        if proc.poll() is not None:
            raise SystemExit(f"bench: error: consumer_spark.py exited; see {log_path}:\n"
                             + log_path.read_text(errors="replace")[-3000:])
        time.sleep(0.2)
    return None
