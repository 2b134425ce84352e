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
NAMES_FILE = ROOT / "stack" / "names.env"
SCHEMA_FILE = ROOT / "cassandra_schema.cql"


def _env_file(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        name, sep, value = line.split("#", 1)[0].partition("=")
        if sep:
            out[name.strip()] = value.strip()
    return out


@functools.cache
def default_ports() -> dict[str, int]:
    """stack/ports.env's ports, read when first needed: Spark's executors import this module from a zip that
    has no stack/ (and never need a default: the settings reach them built)."""
    return {k: int(v) for k, v in _env_file(PORTS_FILE).items()}


@functools.cache
def default_names() -> dict[str, str]:
    """stack/names.env's names and sizes (topics, partitions, the analytics' database, the query's name)."""
    return _env_file(NAMES_FILE)


def name(variable: str) -> str:
    """The name or size VARIABLE (e.g. KAFKA_TOPIC) from the environment, else its default of stack/names.env."""
    return os.environ.get(variable) or default_names()[variable]


@functools.cache
def schema_table() -> tuple[str, str]:
    """(keyspace, table) of the profiles' table in cassandra_schema.cql: the schema's file is their one place."""
    import re

    m = re.search(r"CREATE TABLE IF NOT EXISTS (\w+)\.(\w+)", SCHEMA_FILE.read_text())
    return m.group(1), m.group(2)


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
