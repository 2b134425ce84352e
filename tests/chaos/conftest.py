"""Fixtures of the fault-injection suite (make chaos): a private sandbox per scenario, a check that the
services the scenarios stop are the ones the tests talk to, scenarios side by side unless one stops a
service (the outages first), and the table of figures at the end (gathered from every pytest-xdist worker)."""
import dataclasses
import fcntl
import os
import time
import uuid
from pathlib import Path

import pytest

from tests.support import addresses
from tests.support.chaos import RESULTS, Row
from tests.support.chaos_fixtures import chaos_clients, require_running, sandbox, write_results  # noqa: F401
from tests.support.paths import ROOT
from tests.support.stack import SERVICE_SCRIPT, STACK_HOME, service, service_running

RESULTS_FILE = ROOT / "bench" / "results" / "chaos.md"
# A scenario waits this long at most for the outages to finish (each has COMPLETE_TIMEOUT, 900 s, to settle).
OUTAGES_TIMEOUT_S = 3600


@pytest.fixture(scope="session", autouse=True)
def stack_under_test():
    """The scenarios stop and start the services with stack/<svc>.sh, which act on $STACK_HOME and the *_PORT
    variables; the clients follow the same variables unless KAFKA_BOOTSTRAP_SERVERS or MONGO_URI point
    elsewhere, and then a scenario would stop a service the tests do not talk to."""
    elsewhere = addresses.not_the_stacks()
    if elsewhere:
        pytest.exit(f"chaos: {'; '.join(elsewhere)}: unset it, or set the *_PORT variables to match.", returncode=2)
    require_running("chaos", SERVICE_SCRIPT, "the stack with 'make up'")


def pytest_configure(config):
    config.addinivalue_line("markers", "stops_a_service: stops a service of the stack, so runs alone")


def pytest_collection_modifyitems(items):
    """The service outages first. Each has the stack alone, so it leaves a core idle, and that is when
    .ci/run's 3-node cluster scenario, started beside `make chaos`, can use it; the other scenarios then
    share the stack two at a time. pytest-xdist hands the items out in this order."""
    items.sort(key=lambda item: item.get_closest_marker("stops_a_service") is None)


def _outages_done_dir(tmp_path_factory) -> Path:
    """A folder of this run's, the same for every pytest-xdist worker: one file per finished outage."""
    base = tmp_path_factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "chaos-outages-done"


def _wait_for_outages(request, done_dir: Path) -> None:
    """Until every service outage of this run has finished: a scenario that only kills its own processes
    runs after them (see pytest_collection_modifyitems), however pytest-xdist spread them."""
    outages = sum(item.get_closest_marker("stops_a_service") is not None for item in request.session.items)
    deadline = time.monotonic() + OUTAGES_TIMEOUT_S
    while len(list(done_dir.glob("*.done"))) < outages:
        if time.monotonic() > deadline:
            pytest.fail(f"the {outages} service outage scenarios of this run did not finish within "
                        f"{OUTAGES_TIMEOUT_S} s (a worker crashed?); see their output above.")
        time.sleep(1)


@pytest.fixture(autouse=True)
def stack_turn(request, tmp_path_factory):
    """Scenarios that fault only their own processes share the stack (a shared lock), after the outages;
    one that stops a service waits for the stack alone (an exclusive lock), so no other scenario sees its
    outage."""
    alone = request.node.get_closest_marker("stops_a_service") is not None
    done_dir = _outages_done_dir(tmp_path_factory)
    done_dir.mkdir(parents=True, exist_ok=True)
    if not alone:
        _wait_for_outages(request, done_dir)
    path = STACK_HOME / "run" / "chaos.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
            yield
    finally:
        if alone:  # passed or failed: the others need not wait for it any longer
            (done_dir / f"{uuid.uuid4().hex}.done").touch()


@pytest.fixture(autouse=True)
def row_to_report(request):
    """The scenario's table row, sent with its report: under pytest-xdist it is made in a worker, and the
    table is printed by the process that runs no test."""
    before = len(RESULTS)
    yield
    for row in RESULTS[before:]:
        request.node.user_properties.append(("chaos_row", dataclasses.asdict(row)))


def pytest_runtest_logreport(report):
    if report.when == "teardown":
        for key, value in report.user_properties:
            if key == "chaos_row" and Row(**value) not in RESULTS:   # not when the scenario ran here
                RESULTS.append(Row(**value))


@pytest.fixture
def restore_services():
    """Start again, after the scenario, any service that is not running (whatever happened)."""
    yield
    for svc in SERVICE_SCRIPT:
        if not service_running(svc):
            service(svc, "start")


def pytest_terminal_summary(terminalreporter):
    write_results(
        terminalreporter, "chaos: faults injected, what the stores hold afterwards", RESULTS_FILE,
        "# Fault injection (`make chaos`)", "",
        "- *records in*: messages in the scenario's topic (copies sent twice count twice; 1 in 100 is not "
        "JSON and must become a dead letter).\n"
        "- *rows expected*: distinct users older than 13 in the input; *rows stored*: rows in Cassandra.\n"
        "- *duplicates*: Cassandra rows with the same key (impossible by design) plus users counted more than "
        "once in the MongoDB analytics.\n"
        "- *analytics exact*: every MongoDB counter equals the one recomputed in Python from the input.\n"
        "- *recovery time*: from the end of the last fault (the killed consumer restarted, the producer "
        "rerun, the stopped service answering again) until the stores hold every expected row and the exact "
        "analytics; it includes the catch-up of the backlog and, for the service outages, the producer's "
        "paced feed for CHAOS_FEED_TAIL_SECONDS (10 s) after the restart, then the input sent again at full "
        "speed (the notes give the first batch after the restart and the producer's end).\n")
