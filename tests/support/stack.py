"""The stack's own scripts and PID files, as the chaos scenarios and the benchmark use them: a service is
stopped and started with stack/<svc>.sh (the same data folders, ports and checks as `make up`), and its
process is the one its PID file under STACK_HOME names."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import time
from pathlib import Path

from .paths import ROOT

STACK_DIR = ROOT / "stack"
STACK_HOME = Path(os.environ.get("STACK_HOME", ROOT / ".stack"))  # the stack scripts' own default
SERVICE_SCRIPT = {"kafka": "kafka.sh", "cassandra": "cassandra.sh", "ferretdb": "ferretdb.sh"}


def stack_pids(services=None) -> dict[str, int]:
    """service -> the PID its PID file names (every PID file, or those of SERVICES), running or not."""
    files = ([STACK_HOME / "run" / f"{s}.pid" for s in services] if services is not None
             else sorted((STACK_HOME / "run").glob("*.pid")))
    pids = {}
    for f in files:
        try:
            pids[f.stem] = int(f.read_text().strip())
        except (OSError, ValueError):
            pass
    return pids


def service_running(svc: str) -> bool:
    pid = stack_pids([svc]).get(svc)
    try:
        os.kill(pid, 0)
        return True
    except (OSError, TypeError):
        return False


def run_script(script: str, *args: str, timeout: float = 300, env: dict | None = None) -> str:
    """bash stack/SCRIPT ARGS with this environment (STACK_HOME, ports, NODES), ENV over it; its stdout."""
    res = subprocess.run(["bash", str(STACK_DIR / script), *args], cwd=ROOT, env={**os.environ, **(env or {})},
                         capture_output=True, text=True, timeout=timeout)
    if res.returncode != 0:
        raise RuntimeError(f"stack/{script} {' '.join(args)} failed: {res.stderr[-1500:]}")
    return res.stdout


def service(svc: str, action: str, timeout: float = 300, env: dict | None = None) -> float:
    """stack/<svc>.sh stop|start (under ENV's STACK_HOME and ports, if given); returns the seconds it took."""
    t0 = time.monotonic()
    run_script(SERVICE_SCRIPT[svc], action, timeout=timeout, env=env)
    return time.monotonic() - t0


def cluster(*args: str, timeout: float = 400) -> str:
    """stack/cluster.sh ARGS (e.g. `kafka 3 start`, `cassandra 2 nodetool repair`); its stdout."""
    return run_script("cluster.sh", *args, timeout=timeout)


def cluster_check():
    """stack/cluster_check.py (a script of the stack, not a package) loaded as a module: the same health
    checks as `make status NODES=3`."""
    spec = importlib.util.spec_from_file_location("stack_cluster_check", STACK_DIR / "cluster_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
