"""The project's programs as the tests, the chaos scenarios and the benchmark run them: the consumer through
spark-submit, the producer with the venv's Python, from the checkout, with the venv first on PATH. A program
left running is started in a session of its own, so that one signal reaches spark-submit's JVM, the Python
driver and the pyspark daemon with its workers (which sit in a process group of their own)."""
from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from userprofiles.access import secrets

from .addresses import role_env
from .paths import ROOT, VENV_BIN

BATCH_LINE = re.compile(rb"micro-batch (\d+): read=")


def child_env(role: str | None = None, base: dict | None = None) -> dict:
    """The environment of a program of ROLE (userprofiles/access/roles.py: its credentials, and no other's;
    None: no credentials): BASE (this environment unless given), with the venv's programs first on PATH and
    output unbuffered."""
    env = role_env(role, base)
    env.setdefault("STACK_SECRETS_DIR", str(secrets.folder()))   # found also under a STACK_HOME of a test's own
    env["PATH"] = f"{VENV_BIN}:{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    return env


def spark_cmd(args: list[str], script: Path = ROOT / "consumer_spark.py") -> list[str]:
    """spark-submit of SCRIPT (the consumer unless told) with ARGS, as make consumer runs it: through
    stack/spark-submit.sh, which adds the driver's class-data-sharing archive when make up made one."""
    return ["bash", str(ROOT / "stack" / "spark-submit.sh"), str(script), *args]


def producer_cmd(args: list[str]) -> list[str]:
    return [sys.executable, str(ROOT / "producer.py"), *args]


def _run(cmd: list[str], timeout: float | None, env: dict, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, **kw)


def spark_submit(args: list[str], timeout: float = 600, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    """The consumer run to its end (e.g. --available-now), as the consumer role unless ENV says otherwise, its
    output captured."""
    return _run(spark_cmd(args), timeout, env or child_env("consumer"), **kw)


def run_producer(args: list[str], timeout: float | None = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    """producer.py run to its end, as the producer role unless ENV says otherwise, its output captured."""
    return _run(producer_cmd(args), timeout, env or child_env("producer"))


def launch(cmd: list[str], log_path: Path, env: dict, header: str | None = None) -> subprocess.Popen:
    """CMD started in a session of its own with ENV, its output appended to LOG_PATH (after HEADER, when given)."""
    with open(log_path, "ab") as out:
        if header:
            out.write(header.encode())
            out.flush()
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def start_consumer(args: list[str], log_path: Path, env: dict | None = None) -> subprocess.Popen:
    """The consumer left running (in its own session), as the consumer role unless ENV says otherwise, its
    output appended to LOG_PATH."""
    return launch(spark_cmd(args), log_path, env or child_env("consumer"))


def session_members(sid: int) -> list[int]:
    """The PIDs of every process of session SID."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == sid:  # state ppid pgrp session ...
            pids.append(int(stat.parent.name))
    return pids


def kill_session(proc: subprocess.Popen) -> None:
    """SIGKILL every process of the session PROC leads, as a crash would."""
    for _ in range(3):
        members = session_members(proc.pid)
        if not members:
            break
        for pid in members:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.3)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        pass


def stop_session(proc: subprocess.Popen, sig: int = signal.SIGTERM, grace: float = 60) -> int | None:
    """SIG to the session's process group (SIGTERM or SIGINT: the consumer then stops its query), SIGKILL of
    whatever is left of the session after GRACE seconds (the workers too); the exit status."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            pass
    kill_session(proc)
    return proc.returncode


class Program:
    """A program started (and restarted) in its own session, each run's output appended to one log file."""

    def __init__(self, name: str, cmd: list[str], log: Path, env: dict):
        self.name, self.cmd, self.log, self.env = name, cmd, log, env
        self.proc: subprocess.Popen | None = None
        self.log_start = 0
        self.started_at = 0.0
        self.starts = 0

    def start(self) -> Program:
        self.log_start = self.log.stat().st_size if self.log.exists() else 0
        self.proc = launch(self.cmd, self.log, self.env,
                           header=f"\n=== {dt.datetime.now():%H:%M:%S} start {self.name} #{self.starts + 1}\n")
        self.started_at = time.monotonic()
        self.starts += 1
        return self

    def output(self) -> bytes:
        """What this run (since the last start) wrote."""
        with open(self.log, "rb") as f:
            f.seek(self.log_start)
            return f.read()

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        if self.proc is not None:
            kill_session(self.proc)

    def stop(self, grace: float = 60) -> int | None:
        """SIGTERM, then SIGKILL of the whole session after GRACE seconds."""
        return None if self.proc is None else stop_session(self.proc, signal.SIGTERM, grace)

    def wait(self, timeout: float) -> int | None:
        """The exit status, or None when it is still running after TIMEOUT seconds."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def error_line(self, prog: str) -> str | None:
        lines = [ln for ln in self.output().decode("utf-8", "replace").splitlines() if ln.startswith(f"{prog}: error:")]
        return lines[-1] if lines else None


class Consumer(Program):
    """consumer_spark.py on a sandbox's names, its checkpoint in TMP."""

    def __init__(self, sandbox, tmp: Path, *extra: str):
        super().__init__("consumer", spark_cmd(sandbox.consumer_args(tmp, *extra)), tmp / "consumer.log",
                         sandbox.env("consumer"))

    def batches(self) -> list[int]:
        """The micro-batches this run has committed, from its per-batch log lines."""
        return [int(m.group(1)) for m in BATCH_LINE.finditer(self.output())]

    def wait_batches(self, n: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.batches()) >= n:
                return True
            if not self.running():
                return False
            time.sleep(0.2)
        return False


class Producer(Program):
    """producer.py sending a file (SRC) to a sandbox's topic; N numbers the runs' log files."""

    def __init__(self, sandbox, tmp: Path, src: Path, *extra: str, n: int = 1):
        super().__init__("producer", producer_cmd(["--source", f"file:{src}", "--topic", sandbox.topic,
                                                   "--progress-seconds", "2", *extra]),
                         tmp / f"producer-{n}.log", sandbox.env("producer"))


# --- keeping a scenario's programs going ------------------------------------------------------------

def keep_running(cons: Consumer, events: list):
    """A watch for the scenarios' waits (tests/support/chaos.py): a consumer that stopped is started again
    (its exit and error line are kept in EVENTS)."""
    def watch():
        if not cons.running():
            events.append(f"consumer exit {cons.proc.returncode}: {cons.error_line('consumer_spark.py')}")
            cons.start()
    return watch


class Feed:
    """The producer runs of a scenario over one input file: a run that failed (the service it needs was
    down) is run again over the same file at full speed, 3 runs at the most; done_at is when the last run
    finished with exit 0. A paced first run can be cut short (hurry_after): the file then goes again whole at
    full speed, so that a scenario waits for its fault's end, not for a pace chosen for the slowest case."""

    def __init__(self, sandbox, tmp: Path, src: Path):
        self.sandbox, self.tmp, self.src = sandbox, tmp, src
        self.runs: list[Producer] = []
        self.done_at: float | None = None
        self.hurry_at: float | None = None

    def hurry_after(self, at: float) -> None:
        """From AT (time.monotonic) on, a first run still sending is stopped (SIGTERM: it flushes what it
        has queued) and the file is sent again at full speed; the copies of what had arrived change nothing."""
        self.hurry_at = at

    def start(self, *extra: str) -> Producer:
        run = Producer(self.sandbox, self.tmp, self.src, *extra, n=len(self.runs) + 1).start()
        self.runs.append(run)
        return run

    def _again(self) -> None:
        """The whole file once more, at full speed."""
        self.start("--messages-per-iteration", "1000")

    def watch(self, events: list) -> None:
        """At each poll: note the end of the last run, or start the next one after a failure."""
        last = self.runs[-1]
        if self.hurry_at is not None and time.monotonic() >= self.hurry_at:
            self.hurry_at = None
            if len(self.runs) == 1 and last.running():
                last.stop(30)
                events.append("the paced producer stopped, the file sent again at full speed")
                self._again()
                return
        if last.running() or self.done_at is not None:
            return
        if last.proc.returncode == 0:
            self.done_at = time.monotonic()
        elif len(self.runs) < 3:
            events.append(f"producer exit {last.proc.returncode}: {last.error_line('producer.py')}; rerun")
            self._again()

    def wait(self, watch, timeout: float = 300) -> None:
        """Poll WATCH until the last run has finished with exit 0: a rerun may still be sending copies (and
        garbage lines) of users that are already stored."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and (self.runs[-1].running() or self.done_at is None):
            watch()
            time.sleep(1)

    def stop(self) -> None:
        for run in self.runs:
            run.stop(5)
