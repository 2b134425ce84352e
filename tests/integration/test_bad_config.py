"""Bad configuration: each mistake ends the program within 60 s, with a non-zero exit and ONE line
`<program>: error: <cause>; <fix>` (no Python traceback, no page of Java)."""
import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.processes import run_producer, spark_submit

LIMIT_S = 60
# Printed by the JVM itself for every spark-submit (Spark adds the module to its launch options).
JVM_BANNER = "WARNING: Using incubator modules: jdk.incubator.vector"


def one_error_line(prog: str, output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip() and line.strip() != JVM_BANNER]
    assert "Traceback" not in output, output[-3000:]
    assert len(lines) == 1, "\n".join(lines[:40])
    assert lines[0].startswith(f"{prog}: error: "), lines[0]
    return lines[0]


@pytest.fixture
def immutable_dir(tmp_path):
    """A folder that even root cannot write to (chattr +i), when the filesystem allows it."""
    d = tmp_path / "read-only-checkpoint"
    d.mkdir()
    if subprocess.run(["chattr", "+i", str(d)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here (filesystem or capability)")
    try:
        yield d
    finally:
        subprocess.run(["chattr", "-i", str(d)], capture_output=True)


def _file(tmp_path: Path) -> Path:
    f = tmp_path / "a-regular-file"
    f.write_text("not a folder")
    return f


# An unreachable service costs the whole --connect-timeout: the Kafka cases wait 3 s; the MongoDB case keeps
# the default (10 s), so the default is proven to end in time too.
QUICK = ["--connect-timeout", "3"]
CONSUMER_CASES = {
    # case: (extra args, words of the cause, words of the fix)
    "kafka_port_closed": ([*QUICK, "--bootstrap-servers", "127.0.0.1:1"], ["Kafka", "127.0.0.1:1", "unreachable"],
                          ["--bootstrap-servers"]),
    "kafka_host_unknown": ([*QUICK, "--bootstrap-servers", "no-such-host.invalid:9092"],
                           ["Kafka", "no-such-host.invalid"], ["--bootstrap-servers"]),
    "cassandra_unreachable": (["--cassandra-port", "1"], ["Cassandra", "127.0.0.1:1"], ["--cassandra-port"]),
    "mongodb_unreachable": (["--mongo-uri", "mongodb://127.0.0.1:1/"], ["MongoDB", "127.0.0.1:1", "unreachable"],
                            ["--mongo-uri"]),
    "wrong_topic": (["--topic", "no_such_topic_xyz"], ["no_such_topic_xyz", "does not exist"], ["--topic"]),
    "wrong_dlq_topic": (["--dlq-topic", "no_such_dlq_xyz"], ["no_such_dlq_xyz", "does not exist"], ["--dlq-topic"]),
    "checkpoint_under_a_file": (None, ["checkpoint", "not writable", "Not a directory"], ["--checkpoint"]),
    "checkpoint_in_proc": (["--checkpoint", "/proc/users-profiles-checkpoint"], ["checkpoint", "not writable"],
                           ["--checkpoint"]),
}


@pytest.mark.parametrize("case", list(CONSUMER_CASES))
def test_consumer_refuses_bad_configuration_in_one_line(case, sandbox, tmp_path):
    extra, cause, fix = CONSUMER_CASES[case]
    if extra is None:
        extra = ["--checkpoint", str(_file(tmp_path) / "checkpoint")]
    t0 = time.monotonic()
    run = spark_submit(sandbox.consumer_args(tmp_path, "--available-now", *extra), timeout=LIMIT_S + 60)
    secs = time.monotonic() - t0
    line = one_error_line("consumer_spark.py", run.stdout + run.stderr)
    assert run.returncode != 0
    assert secs < LIMIT_S, f"{case}: {secs:.0f}s"
    for word in cause + fix:
        assert word in line, (word, line)
    print(f"\n{case}: exit {run.returncode} in {secs:.1f}s: {line}")


def test_consumer_refuses_a_read_only_checkpoint_folder(sandbox, tmp_path, immutable_dir):
    t0 = time.monotonic()
    run = spark_submit(sandbox.consumer_args(tmp_path, "--available-now", "--checkpoint", str(immutable_dir)),
                       timeout=LIMIT_S + 60)
    secs = time.monotonic() - t0
    line = one_error_line("consumer_spark.py", run.stdout + run.stderr)
    assert run.returncode != 0 and secs < LIMIT_S
    assert str(immutable_dir) in line and "not writable" in line and "--checkpoint" in line, line
    assert os.listdir(immutable_dir) == []


PRODUCER_CASES = {
    "kafka_port_closed": (["--bootstrap-servers", "127.0.0.1:1"], ["Kafka", "127.0.0.1:1", "unreachable"],
                          ["--bootstrap-servers"]),
    "kafka_host_unknown": (["--bootstrap-servers", "no-such-host.invalid:9092"], ["no-such-host.invalid"],
                           ["--bootstrap-servers"]),
    "wrong_topic": (["--topic", "no_such_topic_xyz"], ["no_such_topic_xyz", "does not exist"], ["--topic"]),
}


@pytest.mark.parametrize("case", list(PRODUCER_CASES))
def test_producer_refuses_bad_configuration_in_one_line(case):
    extra, cause, fix = PRODUCER_CASES[case]
    t0 = time.monotonic()
    run = run_producer(["--source", "synthetic", "--max-messages", "10", *extra], timeout=LIMIT_S + 30)
    secs = time.monotonic() - t0
    line = one_error_line("producer.py", run.stdout + run.stderr)
    assert run.returncode != 0 and secs < LIMIT_S, (run.returncode, secs)
    for word in cause + fix:
        assert word in line, (word, line)
