"""The same consumer on a Spark standalone cluster: a master and a worker started once for this module."""
import json
import os
import socket
import subprocess
import time

import pytest

from tests.support.addresses import free_port
from tests.support.paths import VENV_BIN
from tests.support.processes import child_env, spark_submit
from userprofiles import synthetic

from ..reference import expected_analytics


def _wait_port(port: int, proc: subprocess.Popen, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"{what} exited with {proc.returncode}"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise AssertionError(f"{what} did not listen on {port} within {timeout}s")


@pytest.fixture(scope="module")
def spark_cluster(tmp_path_factory):
    env = child_env()
    env["PYSPARK_PYTHON"] = str(VENV_BIN / "python")
    work = tmp_path_factory.mktemp("spark-worker")
    port, ui = free_port(), free_port()
    klass = str(VENV_BIN / "spark-class")
    master = subprocess.Popen([klass, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                               "--port", str(port), "--webui-port", str(ui)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    procs = [master]
    try:
        _wait_port(port, master, "spark master")
        url = f"spark://127.0.0.1:{port}"
        worker = subprocess.Popen([klass, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                                   "--webui-port", str(free_port()), "--cores", "2", "--memory", "2g",
                                   "--work-dir", str(work), url], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        procs.append(worker)
        time.sleep(5)  # registration with the master
        assert worker.poll() is None
        yield url, work
    finally:
        for p in reversed(procs):
            os.killpg(p.pid, 15)
            p.wait(30)


def test_pipeline_runs_on_a_standalone_cluster(spark_cluster, sandbox, tmp_path):
    users = synthetic.generate_users(300, seed=99, minor_share=0.0)
    sandbox.produce([json.dumps(u) for u in users], keys=[u["login"]["uuid"].encode() for u in users])
    os.environ["PYSPARK_PYTHON"] = str(VENV_BIN / "python")
    url, work = spark_cluster
    run = spark_submit(sandbox.consumer_args(tmp_path, "--available-now", "--master", url))
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-3000:]
    # The worker ran the executors: it keeps a folder per application.
    assert any(p.name.startswith("app-") for p in work.iterdir()), "no application ran on the worker"
    assert len(sandbox.rows()) == len(users)
    assert sandbox.analytics() == expected_analytics(users)
