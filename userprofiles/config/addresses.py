"""Where things are: the checkout, the local stack's data, and the stack's addresses. The default ports are
those of stack/ports.env (the stack's scripts read the same file); a port variable set in the environment
wins, so every program and test follows a stack moved to other ports."""
from __future__ import annotations

import functools
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"   # the local stack listens on loopback only
PORTS_FILE = ROOT / "stack" / "ports.env"


@functools.cache
def default_ports() -> dict[str, int]:
    """stack/ports.env's ports, read when first needed: Spark's executors import this module from a zip that
    has no stack/ (and never need a default: the settings reach them built)."""
    ports = {}
    for line in PORTS_FILE.read_text().splitlines():
        name, sep, value = line.split("#", 1)[0].partition("=")
        if sep:
            ports[name.strip()] = int(value)
    return ports


class PortError(ValueError):
    """A port variable that holds no number; the text names it, for the one line of the program's error."""


def port(name: str) -> int:
    """The port variable NAME (e.g. KAFKA_PORT) from the environment, else its default of stack/ports.env."""
    raw = os.environ.get(name)
    if not raw:
        return default_ports()[name]
    try:
        return int(raw)
    except ValueError:
        raise PortError(f"{name}={raw!r} is not a port number; fix or unset it") from None


def stack_home() -> Path:
    """Where the local stack keeps its data (stack/lib.sh's STACK_HOME): the default checkpoint lives there."""
    return Path(os.environ.get("STACK_HOME") or ROOT / ".stack")


def kafka_bootstrap() -> str:
    return f"{HOST}:{port('KAFKA_PORT')}"


def cassandra_port() -> int:
    return port("CASSANDRA_PORT")


def mongo_uri() -> str:
    return f"mongodb://{HOST}:{port('MONGO_PORT')}/"


def http(port_name: str) -> str:
    """http://127.0.0.1:PORT of a web UI of the stack (SPARK_UI_PORT, SPARK_MASTER_WEBUI_PORT, ...)."""
    return f"http://{HOST}:{port(port_name)}"


def default_checkpoint() -> str:
    return str(stack_home() / "checkpoints" / "consumer")
