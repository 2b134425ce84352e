"""`make run` cleans up after itself (stack/run.sh, stack/leftovers.sh): SIGTERM to its process group twice
(timeout, then make forwarding it), SIGKILL of run.sh (its watchdog stops the programs), SIGKILL of run.sh and
its watchdog (the leftovers are stopped by `stack/leftovers.sh stop`, what make down runs); and a second
consumer on the checkpoint in use is refused with the first one's pid. Each run has its own topic, keyspace,
checkpoint, ports and STACK_HOME (where the programs are recorded), so nothing of the shared stack is touched."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.addresses import free_port
from tests.support.paths import ROOT
from tests.support.processes import BATCH_LINE, child_env, spark_cmd
from userprofiles.consumer import checkpoint_lock

from .test_clean_exit import noise

# Their deadlines for the programs to stop assume a machine not busy with another Spark test: run alone.
pytestmark = pytest.mark.alone

START_S = 300  # Spark's start and first micro-batch, on 2 shared cores
STOP_S = 90    # the clean-up: the producer, then the consumer (30 s each at most), then the dashboard


@pytest.fixture
def run(sandbox, tmp_path):
    """`bash stack/run.sh` on the sandbox's names, started by the test; whatever it left is killed afterwards."""
    r = Run(sandbox, tmp_path)
    yield r
    for pid in r.processes():
        _kill(int(pid.split()[0]))


class Run:
    def __init__(self, sandbox, tmp: Path):
        self.topic, self.tmp = sandbox.topic, tmp
        self.checkpoint = sandbox.checkpoint(tmp)
        self.log = tmp / "run.log"
        self.env = child_env()
        self.env.update(STACK_HOME=str(tmp / "stack"), KAFKA_TOPIC=sandbox.topic, KAFKA_DLQ_TOPIC=sandbox.dlq,
                        CASSANDRA_KEYSPACE=sandbox.keyspace, MONGO_DB=sandbox.mongo_db,
                        SPARK_CHECKPOINT_DIR=str(self.checkpoint), SPARK_STARTING_OFFSETS="earliest",
                        DASHBOARD_PORT=str(free_port()), SPARK_UI_PORT=str(free_port()),
                        PRODUCER_SOURCE="synthetic", PRODUCER_PAUSE_SECONDS="1", PRODUCER_PROGRESS_SECONDS="2")
        self.proc: subprocess.Popen | None = None

    def start(self) -> Run:
        with open(self.log, "ab") as out:  # in a session of its own, as make run in a terminal
            self.proc = subprocess.Popen(["bash", str(ROOT / "stack" / "run.sh")], cwd=ROOT, env=self.env,
                                         stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def groups_file(self) -> Path:
        return self.tmp / "stack" / "run" / f"run.{self.proc.pid}.groups"

    def recorded(self) -> dict[str, int]:
        """name -> pid of the programs run.sh recorded."""
        try:
            return {name: int(pid) for pid, name in (ln.split() for ln in self.groups_file().read_text().splitlines())}
        except FileNotFoundError:
            return {}

    def processes(self) -> list[str]:
        """'pid command line' of every process of this run, found by the topic in its environment (the
        programs, spark-submit's JVM, the Python driver and its workers, the dashboard, the watchdog)."""
        marker = f"KAFKA_TOPIC={self.topic}".encode()
        found = []
        for d in Path("/proc").iterdir():
            if not d.name.isdigit() or int(d.name) == os.getpid():
                continue
            try:
                if marker in (d / "environ").read_bytes().split(b"\0"):
                    cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                    found.append(f"{d.name} {cmd[:160]}")
            except OSError:
                continue
        return found

    def watchdog_pid(self) -> int | None:
        for line in self.processes():
            if "leftovers.sh watchdog" in line:
                return int(line.split()[0])
        return None

    def lock_holder(self) -> str:
        try:
            return (self.checkpoint / checkpoint_lock.LOCK_FILE).read_text().strip()
        except FileNotFoundError:
            return ""

    def wait_for(self, condition, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            time.sleep(0.2)
        raise AssertionError(f"not within {timeout:.0f}s: {what}\n--- run.sh's output (end):\n{self.output()[-3000:]}")

    def wait_started(self) -> None:
        """The three programs recorded, the consumer's driver holding the checkpoint, the watchdog up."""
        self.wait_for(lambda: set(self.recorded()) == {"consumer", "producer", "dashboard"}, 60,
                      "run.sh recorded the consumer, the producer and the dashboard")
        self.wait_for(self.lock_holder, START_S, "the consumer locked its checkpoint")
        self.wait_for(self.watchdog_pid, 30, "run.sh's watchdog runs")

    def assert_all_gone(self) -> None:
        self.wait_for(lambda: not self.processes(), STOP_S, "no process of the run is left")
        fd = checkpoint_lock.hold(str(self.checkpoint))  # the consumer's lock is free again
        assert fd is not None
        checkpoint_lock._held.remove(fd)
        os.close(fd)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _killpg(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def test_sigterm_twice_to_make_runs_group_stops_every_program_and_a_second_consumer_is_refused(run):
    run.start()
    run.wait_for(lambda: BATCH_LINE.search(run.output().encode()), START_S, "the consumer logged a micro-batch")
    holder = run.lock_holder()
    assert "consumer_spark.py" in Path(f"/proc/{holder}/cmdline").read_text().replace("\0", " ")

    # A second consumer on the same checkpoint: refused before Spark starts, naming the first one's pid.
    t0 = time.monotonic()
    second = subprocess.run(spark_cmd([]), cwd=ROOT, env=run.env, capture_output=True, text=True, timeout=180)
    took = time.monotonic() - t0
    errors = [ln for ln in (second.stdout + second.stderr).splitlines() if ln.startswith("consumer_spark.py: error:")]
    assert second.returncode == 2, second.stderr[-2000:]
    assert errors == [f"consumer_spark.py: error: the checkpoint {run.checkpoint} is in use by the consumer with "
                      f"pid {holder}; stop it first (make down stops leftovers of make run)"]
    assert "Running Spark version" not in second.stdout + second.stderr  # no SparkContext was started
    print(f"\nsecond consumer refused in {took:.1f}s: {errors[0]}")

    # SIGTERM to the group, then again once the clean-up has begun (make forwards the signal it got).
    t0 = time.monotonic()
    _killpg(run.proc.pid, signal.SIGTERM)
    run.wait_for(lambda: "stopping the producer, the consumer and the dashboard" in run.output(), 30,
                 "run.sh began its clean-up")
    _killpg(run.proc.pid, signal.SIGTERM)
    run.assert_all_gone()
    assert run.proc.wait(STOP_S) == 0
    assert not run.groups_file().exists()
    assert "INFO consumer: stopping" in run.output(), "the consumer was not stopped by its SIGTERM"
    assert "SIGTERM received: flushing" in run.output(), "the producer was not stopped by its SIGTERM"
    assert noise(run.output()) == [], "\n".join(noise(run.output())[:20])
    print(f"everything stopped {time.monotonic() - t0:.1f}s after the first SIGTERM")


def test_ctrl_c_of_make_run_stops_every_program_in_order_and_quietly(run):
    """Ctrl-C in the terminal: SIGINT to the foreground group (make and run.sh; the programs have sessions of
    their own), after the consumer has written micro-batches."""
    run.start()
    run.wait_for(lambda: len(BATCH_LINE.findall(run.output().encode())) >= 2, START_S,
                 "the consumer logged two micro-batches")
    _killpg(run.proc.pid, signal.SIGINT)
    run.assert_all_gone()
    assert run.proc.wait(STOP_S) == 0
    out = run.output()
    assert "INFO consumer: stopping (SIGTERM)" in out and "INFO consumer: totals: " in out, out[-3000:]
    assert noise(out) == [], "\n".join(noise(out)[:20])


def test_sigkill_of_make_run_is_cleaned_up_by_its_watchdog(run):
    run.start()
    run.wait_started()
    t0 = time.monotonic()
    _killpg(run.proc.pid, signal.SIGKILL)  # run.sh and what shares its group; the programs have their own
    run.proc.wait(10)
    run.assert_all_gone()
    assert "is gone; stopping what it started: consumer (pid" in (run.tmp / "stack" / "logs" / "run.log").read_text()
    print(f"\nthe watchdog stopped everything {time.monotonic() - t0:.1f}s after run.sh's SIGKILL")


def test_leftovers_of_a_run_killed_with_its_watchdog_are_stopped_by_make_down(run):
    run.start()
    run.wait_started()
    _kill(run.watchdog_pid())
    _killpg(run.proc.pid, signal.SIGKILL)
    run.proc.wait(10)
    recorded = run.recorded()
    assert any("consumer_spark.py" in p for p in run.processes()), "the consumer should be left running"

    # What make down runs first (stack.sh down would also stop the shared services).
    t0 = time.monotonic()
    down = subprocess.run(["bash", str(ROOT / "stack" / "leftovers.sh"), "stop"], cwd=ROOT, env=run.env,
                          capture_output=True, text=True, timeout=STOP_S + 30)
    assert down.returncode == 0, down.stderr
    assert down.stderr.splitlines() == [
        f"[stack] stopping the programs of make run (pid {run.proc.pid}) still running: "
        f"consumer (pid {recorded['consumer']}) producer (pid {recorded['producer']}) "
        f"dashboard (pid {recorded['dashboard']})"]
    run.assert_all_gone()
    assert not run.groups_file().exists()
    print(f"\nleftovers stopped in {time.monotonic() - t0:.1f}s: {down.stderr.strip()}")


def test_a_recorded_pid_that_runs_another_program_is_not_stopped(tmp_path):
    other = subprocess.Popen(["sleep", "600"], start_new_session=True)
    try:
        run_dir = tmp_path / "stack" / "run"
        run_dir.mkdir(parents=True)
        groups = run_dir / "run.999999999.groups"
        groups.write_text(f"{other.pid} consumer\n{other.pid} producer\n")
        env = {**child_env(), "STACK_HOME": str(tmp_path / "stack")}
        down = subprocess.run(["bash", str(ROOT / "stack" / "leftovers.sh"), "stop"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)
        assert down.returncode == 0 and down.stderr == "", down.stderr
        assert other.poll() is None, "a process that is not one of make run's programs was stopped"
        assert not groups.exists()
    finally:
        other.kill()
        other.wait(10)
