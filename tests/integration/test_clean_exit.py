"""The consumer ends in order and says nothing it should not: two consumers at once, several times over, each
reading valid and malformed messages in several micro-batches with --available-now, end with exit 0, their
totals, and no traceback, no "Exception in thread" and no Java stack in their output (the Python workers'
daemon, the Cassandra driver's threads, the state stores' maintenance each printed one at the end before).
The stop of a running consumer by SIGTERM is checked through make run in test_run_cleanup.py."""
from __future__ import annotations

import datetime as dt
import json
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.processes import spark_submit
from tests.support.sandbox import Sandbox
from userprofiles.producer import synthetic

# What an orderly end never prints: a Python traceback, an uncaught exception in a thread (Python's and Java's
# wording), a frame of a Java stack.
NOISE = re.compile(r"Traceback \(most recent call last\)|Exception in thread|^\s+at [\w$.]+\(.*\)$", re.M)
ROUNDS = 2
USERS = 200
MALFORMED = (b"{not json", b"\xff\xfe\xfd", b"[]", b'{"login": {"uuid": 5}}', b"")


def noise(output: str) -> list[str]:
    """The lines of OUTPUT that an orderly end never prints."""
    lines = output.splitlines()
    hits = {output.count("\n", 0, m.start()) for m in NOISE.finditer(output)}
    return [lines[i] for i in sorted(hits)]


def test_noise_finds_each_kind():
    out = ("12:00:01 INFO consumer: totals: read=1\nTraceback (most recent call last):\n  File \"x.py\", line 1\n"
           "Exception in thread \"main\" java.lang.IllegalStateException: x\n"
           "\tat org.apache.spark.sql.execution.streaming.state.StateStore$.doMaintenance(StateStore.scala:1644)\n")
    assert noise(out) == out.splitlines()[1:2] + out.splitlines()[3:5]
    assert noise("12:00:01 WARN Utils: Service 'SparkUI' could not bind on port 4040. Attempting port 4041.\n") == []


def _one_consumer(seed: int, tmp_path) -> tuple[int, str, int]:
    sb = Sandbox()
    sb.create_topics()
    try:
        users = synthetic.generate_users(USERS, seed=seed, now=dt.datetime.now(dt.UTC), minor_share=0.1)
        values = [json.dumps(u).encode() for u in users] + list(MALFORMED)
        sb.produce(values)
        run = spark_submit(sb.consumer_args(tmp_path / f"c{seed}", "--available-now", "--max-offsets-per-trigger",
                                            "60"))
        return run.returncode, run.stdout + run.stderr, len(values)
    finally:
        sb.drop(quiet=True)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_consumers_at_once_end_without_a_traceback(round_, tmp_path):
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda seed: _one_consumer(seed, tmp_path), (2 * round_, 2 * round_ + 1)))
    for rc, out, sent in runs:
        assert rc == 0, out[-4000:]
        batches = re.findall(r"micro-batch (\d+): read=", out)
        assert len(batches) >= 3, f"one micro-batch only: {out[-2000:]}"
        totals = out.split("totals: ", 1)[1].splitlines()[0]
        assert f"read={sent}" in totals and f"dead={len(MALFORMED)}" in totals, totals
        assert noise(out) == [], "\n".join(noise(out)[:20])
