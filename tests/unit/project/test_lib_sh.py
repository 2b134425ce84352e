"""The stack scripts' shared shell helpers (stack/lib.sh)."""
import os
import subprocess

from tests.support.paths import ROOT


def test_long_steps_print_progress_and_their_duration():
    script = f'source {ROOT}/stack/lib.sh; with_progress "building something" sleep 2.5; echo rc=$?'
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30,
                         env={**os.environ, "PROGRESS_SECONDS": "1", "STACK_HOME": "/tmp/observe-test-stack"})
    assert out.stdout.strip() == "rc=0"
    assert "[stack] still building something (0m01s)\n[stack] still building something (0m02s)\n" in out.stderr
    assert "[stack] building something took 0m0" in out.stderr
    failing = subprocess.run(["bash", "-c", f'source {ROOT}/stack/lib.sh; set +e; with_progress x false; echo rc=$?'],
                             capture_output=True, text=True, timeout=30,
                             env={**os.environ, "STACK_HOME": "/tmp/observe-test-stack"})
    assert failing.stdout.strip() == "rc=1"


def test_no_two_default_ports_collide_even_with_many_spark_workers():
    """Worker i's UI is on SPARK_WORKER_WEBUI_PORT+i-1: 16 workers' range holds no other port of ports.env
    (kafka-ui's 8081 was once the first worker's)."""
    ports = {}
    for line in (ROOT / "stack" / "ports.env").read_text().splitlines():
        if line and not line.startswith("#"):
            name, value = line.split("=")
            ports[name] = int(value)
    workers = set(range(ports["SPARK_WORKER_WEBUI_PORT"], ports["SPARK_WORKER_WEBUI_PORT"] + 16))
    others = [p for name, p in ports.items() if name != "SPARK_WORKER_WEBUI_PORT"]
    assert len(set(others)) == len(others) and not workers & set(others)
    script = f"source {ROOT}/stack/lib.sh; echo $SPARK_WORKER_WEBUI_PORT"
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30,
                         env={k: v for k, v in os.environ.items() if not k.startswith("SPARK_")}
                         | {"STACK_HOME": "/tmp/observe-test-stack"})
    assert int(out.stdout) == ports["SPARK_WORKER_WEBUI_PORT"]
