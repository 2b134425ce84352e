"""stack/spark-submit.sh: spark-submit with the driver's class-data-sharing archive when there is one for this
Spark and JDK (stack/cds.sh), plain spark-submit otherwise. Run against a fake venv whose spark-submit prints
what it was given."""
import os
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.support.paths import ROOT

FAKE_SPARK_SUBMIT = """#!/bin/sh
echo "CONF_DIR=${SPARK_CONF_DIR:-}"
echo "OPTS=${SPARK_SUBMIT_OPTS:-}"
echo "LOCAL_IP=${SPARK_LOCAL_IP:-}"
echo "ARGS $*"
"""


@pytest.fixture
def venv(tmp_path) -> Path:
    v = tmp_path / "venv"
    (v / "bin").mkdir(parents=True)
    (v / "bin" / "spark-submit").write_text(FAKE_SPARK_SUBMIT)
    (v / "bin" / "spark-submit").chmod(0o755)
    home = v / "lib" / "python3.11" / "site-packages" / "pyspark"
    (home / "jars").mkdir(parents=True)
    (home / "jars" / "spark-core.jar").write_bytes(b"jar")
    (home / "conf").mkdir()
    for name in ("spark-defaults.conf", "log4j2.properties"):
        (home / "conf" / name).write_text("")
    (home / "conf" / "spark-env.sh").write_text('export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.9}"\n')
    return v


def _env(venv: Path, tmp_path: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("SPARK_CONF_DIR", "SPARK_HOME", "SPARK_SUBMIT_OPTS",
                                                             "SPARK_LOCAL_IP")}
    return {**env, "VENV": str(venv), "STACK_HOME": str(tmp_path / "stack"), **extra}


def _submit(env: dict) -> dict:
    out = subprocess.run(["bash", str(ROOT / "stack" / "spark-submit.sh"), "app.py", "--x", "1"], env=env,
                         capture_output=True, text=True, timeout=60, check=True).stdout
    lines = dict(ln.split("=", 1) for ln in out.splitlines() if "=" in ln.split(" ")[0])
    lines["ARGS"] = shlex.split(out.splitlines()[-1])[1:]
    return lines


def _archive(env: dict) -> Path:
    return Path(subprocess.run(["bash", str(ROOT / "stack" / "cds.sh"), "path"], env=env, capture_output=True,
                               text=True, timeout=60, check=True).stdout.strip())


def test_without_an_archive_it_is_plain_spark_submit(venv, tmp_path):
    got = _submit(_env(venv, tmp_path))
    assert got["ARGS"] == ["app.py", "--x", "1"]
    assert got["CONF_DIR"] == "" and "-XX:" not in got["OPTS"]


def test_with_an_archive_the_driver_maps_it_and_gets_the_conf_files_by_path(venv, tmp_path):
    env = _env(venv, tmp_path)
    archive = _archive(env)
    archive.parent.mkdir(parents=True)
    archive.write_bytes(b"archive")
    got = _submit(env)
    conf = venv / "lib" / "python3.11" / "site-packages" / "pyspark" / "conf"
    assert got["ARGS"] == ["--properties-file", str(conf / "spark-defaults.conf"), "app.py", "--x", "1"]
    assert f"-XX:SharedArchiveFile={archive}" in got["OPTS"].split()
    assert f"-Dlog4j2.configurationFile=file:{conf}/log4j2.properties" in got["OPTS"].split()
    # The conf folder on the class path is an empty one; spark-env.sh was sourced all the same.
    assert got["CONF_DIR"] and not os.listdir(got["CONF_DIR"])
    assert got["LOCAL_IP"] == "127.0.0.9"


def test_a_changed_jar_names_another_archive_and_a_user_conf_dir_is_left_alone(venv, tmp_path):
    env = _env(venv, tmp_path)
    archive = _archive(env)
    archive.parent.mkdir(parents=True)
    archive.write_bytes(b"archive")
    jar = venv / "lib" / "python3.11" / "site-packages" / "pyspark" / "jars" / "spark-core.jar"
    os.utime(jar, (1, 1))
    assert _archive(env) != archive
    assert "-XX:SharedArchiveFile" not in _submit(env)["OPTS"]
    os.utime(jar, None)
    (tmp_path / "mine").mkdir()
    got = _submit({**env, "SPARK_CONF_DIR": str(tmp_path / "mine")})
    assert got["CONF_DIR"] == str(tmp_path / "mine") and got["ARGS"] == ["app.py", "--x", "1"]


def test_no_archive_is_made_for_a_user_conf_dir_which_would_not_use_it(venv, tmp_path):
    env = {**_env(venv, tmp_path), "SPARK_CONF_DIR": str(tmp_path)}
    run = subprocess.run(["bash", str(ROOT / "stack" / "cds.sh"), "build"], env=env, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0 and run.stderr == "" and not _archive(env).exists()
