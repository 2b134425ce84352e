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
