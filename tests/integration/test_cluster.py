"""The same consumer on a Spark standalone cluster: the one `make up SPARK_WORKERS=N` starts (stack/spark.sh), on
free ports and in a folder of its own (so that a user's cluster on 7077/8080 is left alone), submitted to
through stack/submit.sh as `make consumer` does."""
import json
import subprocess
import time
import urllib.request

import pytest

from tests.support.addresses import free_port
from tests.support.paths import ROOT
from tests.support.processes import child_env
from userprofiles.producer import synthetic

from ..reference import expected_analytics

APP = "users-profiles-consumer"  # userprofiles/consumer/spark_runtime.build_spark's appName


def _stack(env: dict, script: str, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(ROOT / "stack" / script), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.load(r)


@pytest.fixture(scope="module")
def spark_cluster(tmp_path_factory):
    """stack/spark.sh start 1 (2 cores, as the compose profile's worker), the environment that reaches it, its
    master UI, and its worker's work dir; stack/spark.sh stop afterwards."""
    home = tmp_path_factory.mktemp("spark-stack")
    env = child_env("consumer")
    env.pop("SPARK_MASTER", None)  # submit.sh must find the cluster itself
    env.update(STACK_HOME=str(home), SPARK_MASTER_PORT=str(free_port()), SPARK_MASTER_WEBUI_PORT=str(free_port()),
               SPARK_WORKER_WEBUI_PORT="0", SPARK_WORKER_CORES="2")
    try:
        start = _stack(env, "spark.sh", "start", "1")
        assert start.returncode == 0, start.stdout + start.stderr
        yield env, f"http://127.0.0.1:{env['SPARK_MASTER_WEBUI_PORT']}", home / "data" / "spark-worker-1"
    finally:
        stop = _stack(env, "spark.sh", "stop")
        assert stop.returncode == 0, stop.stderr
        assert not list((home / "run").glob("spark-*.pid")), "stack/spark.sh stop left PID files"


def _finished_app(ui: str, timeout: float = 30) -> dict:
    """The consumer's application once the master lists it as completed (it unregisters as the driver stops)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        master = _json(f"{ui}/json/")
        apps = [a for a in master["completedapps"] if a["name"] == APP]
        if apps:
            return apps[-1]
        time.sleep(0.5)
    raise AssertionError(f"the master does not list {APP} as completed within {timeout}s: {master}")


def test_pipeline_runs_on_a_standalone_cluster(spark_cluster, sandbox, tmp_path):
    env, ui, work = spark_cluster
    master = _json(f"{ui}/json/")
    assert [w["state"] for w in master["workers"]] == ["ALIVE"], master["workers"]
    users = synthetic.generate_users(300, seed=99, minor_share=0.0)
    sandbox.produce([json.dumps(u) for u in users], keys=[u["login"]["uuid"].encode() for u in users])
    run = _stack(env, "submit.sh", *sandbox.consumer_args(tmp_path, "--available-now"), timeout=600)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-3000:]
    assert f"submitted to the standalone cluster spark://127.0.0.1:{env['SPARK_MASTER_PORT']}" in out, out[-3000:]
    # The master ran the application; the worker ran its executors (its /json/ and its work dir say so).
    app = _finished_app(ui)
    worker = _json(f"{master['workers'][0]['webuiaddress']}/json/")
    executors = [e for e in worker["executors"] + worker["finishedexecutors"] if e["appid"] == app["id"]]
    assert executors, f"the worker lists no executor of {app['id']}: {worker}"
    assert (work / app["id"]).is_dir(), f"no folder of {app['id']} in the worker's work dir {work}"
    assert len(sandbox.rows()) == len(users)
    assert sandbox.analytics() == expected_analytics(users, sandbox.days())
