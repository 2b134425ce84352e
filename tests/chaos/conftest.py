"""Fixtures of the fault-injection suite (make chaos): a private sandbox per scenario, a check that the
services the scenarios stop are the ones the tests talk to, and the table of figures at the end."""
import datetime as dt
import os
import platform
from urllib.parse import urlparse

import pytest

from tests.integration.harness import BOOTSTRAP, CASSANDRA_PORT, MONGO_URI, ROOT, Sandbox, close_clients

from . import chaoslib
from .chaoslib import RESULTS, STACK_HOME, service_running, table

RESULTS_FILE = ROOT / "bench" / "results" / "chaos.md"


@pytest.fixture(scope="session", autouse=True)
def stack_under_test():
    """The scenarios stop and start services with stack/<svc>.sh, which act on $STACK_HOME and the *_PORT
    variables; the tests reach the services through KAFKA_BOOTSTRAP_SERVERS, CASSANDRA_PORT and MONGO_URI.
    Both must name the same services, or a scenario would stop someone else's."""
    ports = {"kafka": (int(BOOTSTRAP.split(",")[0].rsplit(":", 1)[1]), int(os.environ.get("KAFKA_PORT", "9092"))),
             "cassandra": (CASSANDRA_PORT, int(os.environ.get("CASSANDRA_PORT", "9042"))),
             "ferretdb": (urlparse(MONGO_URI).port or 27017, int(os.environ.get("MONGO_PORT", "27017")))}
    for svc, (used, managed) in ports.items():
        if used != managed:
            pytest.exit(f"chaos: the tests use {svc} on port {used} but the stack scripts manage port {managed}; "
                        f"set KAFKA_BOOTSTRAP_SERVERS/KAFKA_PORT, CASSANDRA_PORT, MONGO_URI/MONGO_PORT consistently.",
                        returncode=2)
        if not service_running(svc):
            pytest.exit(f"chaos: {svc} is not running under STACK_HOME={STACK_HOME}; start the stack with "
                        f"'make up' (same environment) first.", returncode=2)
    yield
    chaoslib.close()
    close_clients()


@pytest.fixture
def sandbox():
    sb = Sandbox()
    sb.create_topics()
    yield sb
    chaoslib.drop_sandbox(sb)


@pytest.fixture
def restore_services():
    """Start again, after the scenario, any service that is not running (whatever happened)."""
    yield
    for svc in ("kafka", "cassandra", "ferretdb"):
        if not service_running(svc):
            chaoslib.service(svc, "start")


def pytest_terminal_summary(terminalreporter):
    if not RESULTS:
        return
    text = table(RESULTS)
    terminalreporter.write_sep("=", "chaos: faults injected, what the stores hold afterwards")
    terminalreporter.write_line(text)
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(
        "# Fault injection (`make chaos`)\n\n"
        f"Run {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.node()} "
        f"({os.cpu_count()} cores), seed {os.environ.get('CHAOS_SEED', '4')}.\n\n"
        f"{text}\n\n"
        "- *records in*: messages in the scenario's topic (copies sent twice count twice; 1 in 100 is not "
        "JSON and must become a dead letter).\n"
        "- *rows expected*: distinct users older than 13 in the input; *rows stored*: rows in Cassandra.\n"
        "- *duplicates*: Cassandra rows with the same key (impossible by design) plus users counted more than "
        "once in the MongoDB analytics.\n"
        "- *analytics exact*: every MongoDB counter equals the one recomputed in Python from the input.\n"
        "- *recovery time*: from the end of the last fault (the killed consumer restarted, the producer "
        "rerun, the stopped service answering again) until the stores hold every expected row and the exact "
        "analytics; it includes the catch-up of the backlog and, for the service outages, the rest of the "
        "producer's 150 s feed (the notes give the first batch after the restart and the producer's end).\n",
        encoding="utf-8")
    terminalreporter.write_line(f"(written to {RESULTS_FILE.relative_to(ROOT)})")
