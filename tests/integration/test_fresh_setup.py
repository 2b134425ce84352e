"""The set-up paths beside `make up`, run for real on this machine:
- the Dockerfile's instructions replayed as a script into a scratch prefix (no Docker engine here);
- `make venv` with Maven hidden from PATH;
- `make run` while the services already answer (started by `make up` of this or another checkout, standing
  in for docker compose): it uses them, says so, and leaves them running.
The first two build a venv of their own (pip from its cache, not byte-compiled: ~20-40 s each on 2 cores)."""
from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.clients import cassandra_session
from tests.support.paths import ROOT
from tests.support.processes import child_env
from tests.support.sandbox import Sandbox


def path_without(tmp: Path, *hidden: str) -> str:
    """A PATH of symlinks to every program on this PATH except HIDDEN (e.g. mvn)."""
    out = tmp / "path-bin"
    out.mkdir()
    for d in os.environ["PATH"].split(":"):
        if not d or not os.path.isdir(d):
            continue
        for f in os.listdir(d):
            src = os.path.join(d, f)
            if f in hidden or (out / f).exists() or not os.access(src, os.X_OK) or os.path.isdir(src):
                continue
            (out / f).symlink_to(src)
    assert shutil.which("mvn", path=str(out)) is None
    return str(out)


# pip does not byte-compile what these scratch venvs install (~14 s of CPU each, none of it under test). pip
# reads a --no-* option's variable as the value of its destination: PIP_NO_COMPILE=0 is --no-compile.
NO_BYTECODE = {"PIP_NO_COMPILE": "0"}


def pyspark_dir(venv: Path) -> Path:
    found = list(venv.glob("lib/python3*/site-packages/pyspark"))
    assert len(found) == 1, found
    return found[0]


# --- the Dockerfile as a script ------------------------------------------------------------------------------

def dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_dockerfile_install_steps_run_as_a_script_into_a_scratch_prefix(tmp_path):
    """Replays FROM/ENV/WORKDIR/COPY/RUN in order, with the image's absolute paths moved under tmp_path.
    Differences from a docker build, on purpose: apt-get only resolves the packages (APT_SIMULATE=1: it would
    change this machine; the same Debian 12 package lists as the python:*-bookworm base), the download caches
    are kept and nothing is byte-compiled (IMAGE_CLEANUP=0, PIP_NO_CACHE_DIR unset, NO_BYTECODE: speed), and
    the last RUN (creating the image's user) is checked, not run. Maven is hidden from PATH, as in the image,
    so it is fetched from Maven Central."""
    scratch = tmp_path / "image"
    scratch.mkdir()

    def moved(value: str) -> str:
        return re.sub(r"(?<![\w.])/(opt|app|tmp/stack|data)\b", lambda m: f"{scratch}/{m.group(1)}", value)

    env = {**os.environ, **NO_BYTECODE}
    base_path = path_without(tmp_path, "mvn")
    env["PATH"] = base_path
    workdir = scratch
    runs = []
    for word, rest in dockerfile_instructions():
        if word == "FROM":
            assert rest.startswith("python:3.11") and rest.endswith("-bookworm"), rest
        elif word == "ENV":
            for item in shlex.split(rest):
                k, v = item.split("=", 1)
                env[k] = moved(v.replace("$PATH", env["PATH"]))
        elif word == "WORKDIR":
            workdir = Path(moved(rest))
            workdir.mkdir(parents=True, exist_ok=True)
        elif word == "COPY":
            *srcs, dst = shlex.split(rest)
            assert not any(s.startswith("--") for s in srcs), rest
            for src in srcs:
                target = workdir / dst
                if (ROOT / src).is_dir():
                    shutil.copytree(ROOT / src, target, dirs_exist_ok=True,
                                    ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    target = target / Path(src).name if dst.endswith("/") else target
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(ROOT / src, target)
        elif word == "RUN":
            runs.append(rest)
            if "docker/install.sh" not in rest:
                continue
            env.update(APT_SIMULATE="1", IMAGE_CLEANUP="0")
            env.pop("PIP_NO_CACHE_DIR", None)  # the Dockerfile's ENV sets it: pip would build pyspark again
            r = subprocess.run(["bash", "-euo", "pipefail", "-c", rest], cwd=workdir, env=env,
                               capture_output=True, text=True, timeout=900)
            assert r.returncode == 0, f"RUN {rest} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
        else:
            assert word in ("USER", "CMD", "ENTRYPOINT", "LABEL", "EXPOSE"), f"unexpected instruction {word}"

    install_runs = [r for r in runs if "docker/install.sh" in r]
    assert install_runs == ["bash docker/install.sh system", "bash docker/install.sh python",
                            "bash docker/install.sh project"]
    others = [r for r in runs if r not in install_runs]
    assert len(others) == 1 and re.fullmatch(r"useradd [^;|]*&& mkdir -p [^;|]* && chown -R [^;|]*", others[0]), others

    venv = Path(env["VENV"])
    assert venv.is_relative_to(scratch)
    pyspark = pyspark_dir(venv)
    jars = {p.name for p in (pyspark / "jars").iterdir()}
    spark_version = re.search(r"^SPARK_VERSION=(\S+)$", (ROOT / "stack" / "versions.env").read_text(), re.M)[1]
    assert f"spark-sql-kafka-0-10_2.13-{spark_version}.jar" in jars
    assert any(j.startswith("kafka-clients-") for j in jars)
    # In a container Spark must listen beyond the loopback: no loopback-only spark-env.sh there.
    assert (pyspark / "conf" / "log4j2.properties").is_file()
    assert not (pyspark / "conf" / "spark-env.sh").exists()
    assert list(Path(env["STACK_CACHE"]).glob("apache-maven-*/bin/mvn")), "Maven was not fetched from Maven Central"
    r = subprocess.run([str(venv / "bin" / "python"), "-c",
                        "from userprofiles.consumer.spark_runtime import _connector_installed; import sys; "
                        "sys.exit(0 if _connector_installed() else 1)"], cwd="/", env=env, timeout=120)
    assert r.returncode == 0  # from /: the package is installed, not just found in the working folder


# --- make venv without Maven ---------------------------------------------------------------------------------

def test_make_venv_succeeds_without_maven(tmp_path):
    venv = tmp_path / "venv"
    env = {**os.environ, **NO_BYTECODE, "PATH": path_without(tmp_path, "mvn"), "VENV": str(venv),
           "STACK_CACHE": str(tmp_path / "cache"), "STACK_HOME": str(tmp_path / "stack")}
    r = subprocess.run(["make", "-s", "-C", str(ROOT), "venv"], env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "spark.jars.packages" in r.stderr
    assert not list((tmp_path / "cache").glob("apache-maven-*")), "make venv fetched Maven"
    pyspark = pyspark_dir(venv)
    assert not list((pyspark / "jars").glob("spark-sql-kafka-0-10_*.jar"))
    # So build_spark asks Spark for the connector (spark.jars.packages) instead.
    r = subprocess.run([str(venv / "bin" / "python"), "-c",
                        "from userprofiles.consumer.spark_runtime import _connector_installed, CONNECTOR; import sys; "
                        "sys.exit(1 if _connector_installed() else 0)"], cwd=ROOT, env=env, timeout=120)
    assert r.returncode == 0
    assert list((tmp_path / "cache").glob("cqlsh-*/bin/cqlsh"))


# --- make run with the services already up -------------------------------------------------------------------

def pids_with_env(marker: str) -> list[int]:
    """Processes whose environment holds MARKER (ours only: it is a fresh random name)."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit() and int(d.name) != os.getpid():
            try:
                if marker.encode() in (d / "environ").read_bytes():
                    out.append(int(d.name))
            except OSError:
                pass
    return out


def answers(service: str) -> bool:
    return subprocess.run([sys.executable, str(ROOT / "stack" / "ready.py"), service], capture_output=True,
                          timeout=60).returncode == 0


def test_make_run_uses_services_that_already_answer(tmp_path):
    for s in ("kafka", "cassandra", "mongo"):
        assert answers(s), f"{s} does not answer: this test needs the services up (make up)"
    sb = Sandbox()
    stack_home = tmp_path / "stack"   # no PID files there: to this run, every service is someone else's
    env = {**child_env(), "STACK_HOME": str(stack_home), "KAFKA_TOPIC": sb.topic, "KAFKA_DLQ_TOPIC": sb.dlq,
           "CASSANDRA_KEYSPACE": sb.keyspace, "MONGO_DB": sb.mongo_db, "CHECKPOINT_DIR": str(tmp_path / "ckpt"),
           "PRODUCER_SOURCE": "synthetic", "NUM_MESSAGES_PER_ITERATION": "20", "PAUSE_INTERVAL_SECONDS": "1",
           "IT_MARKER": sb.name}
    log_path = tmp_path / "make-run.log"
    rows = 0
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(["make", "-C", str(ROOT), "run"], env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            deadline = time.monotonic() + 300
            session = cassandra_session()
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    rows = session.execute(f"SELECT count(*) FROM {sb.keyspace}.users_profiles").one()[0]
                except Exception:
                    rows = 0
                if rows:
                    break
                time.sleep(3)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGINT)   # like Ctrl-C: run.sh stops the producer, then the consumer
                try:
                    proc.wait(90)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
            for pid in pids_with_env(f"IT_MARKER={sb.name}"):   # anything left of this run (own sessions)
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            sb.drop()
    out = log_path.read_text(errors="replace")
    for name in ("kafka", "cassandra", "ferretdb"):
        assert re.search(rf"^{name} .*already answering \(not started here\): using it", out, re.M), out[-4000:]
    assert "already answering on the configured addresses, used as they are: kafka cassandra ferretdb" in out
    assert "stack: error" not in out and "already taken" not in out, out[-4000:]
    assert rows > 0, f"make run stored no row within 300 s:\n{out[-4000:]}"
    # It started nothing and stopped nothing.
    assert not list((stack_home / "run").glob("*.pid"))
    for s in ("kafka", "cassandra", "mongo"):
        assert answers(s), f"{s} stopped answering after make run"


# --- Go older than FerretDB needs ----------------------------------------------------------------------------

def test_an_old_go_is_replaced_by_the_toolchain_module(tmp_path):
    """Debian 12's golang is 1.19; FerretDB's go.mod needs 1.24. stack/tools.sh go then gives the pinned
    golang.org/toolchain module from the Go module proxy (downloaded once into the stack's cache, ~80 MB)."""
    fake = tmp_path / "oldgo"
    fake.mkdir()
    (fake / "go").write_text('#!/bin/sh\n[ "$1 $2" = "env GOVERSION" ] && echo go1.19.8 && exit 0\nexit 1\n')
    (fake / "go").chmod(0o755)
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}", "STACK_HOME": str(tmp_path / "stack")}
    r = subprocess.run(["bash", str(ROOT / "stack" / "tools.sh"), "go"], env=env, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "older than the 1.24" in r.stderr
    go = r.stdout.strip()
    assert go != "go" and Path(go).is_file()
    want = re.search(r"^GO_TOOLCHAIN_VERSION=(\S+)", (ROOT / "stack" / "versions.env").read_text(), re.M).group(1)
    out = subprocess.run([go, "env", "GOVERSION"], env={**env, "GOTOOLCHAIN": "local"}, capture_output=True,
                         text=True, timeout=60).stdout.strip()
    assert out == want
