"""Fixtures of the cluster fault-injection scenario (make chaos-cluster): the NODES=3 cluster of
stack/cluster.sh must be the one the tests talk to; the table goes to bench/results/chaos-cluster.md."""
import datetime as dt
import os
import platform

import pytest

from tests.chaos import chaoslib
from tests.chaos.chaoslib import RESULTS, STACK_HOME, service_running, table
from tests.integration.harness import ROOT, Sandbox, close_clients

RESULTS_FILE = ROOT / "bench" / "results" / "chaos-cluster.md"
NODES = int(os.environ.get("NODES", "1"))


@pytest.fixture(scope="session", autouse=True)
def cluster_under_test():
    if NODES < 3:
        pytest.exit("chaos-cluster: NODES must be 3 or more, with the environment of 'stack/cluster.sh env' "
                    "(make chaos-cluster sets it).", returncode=2)
    for svc in [f"kafka-{i}" for i in range(1, NODES + 1)] + [f"cassandra-{i}" for i in range(1, NODES + 1)]:
        if not service_running(svc):
            pytest.exit(f"chaos-cluster: {svc} is not running under STACK_HOME={STACK_HOME}; start the cluster "
                        f"with 'make up NODES={NODES}' (same environment) first.", returncode=2)
    yield
    chaoslib.close()
    close_clients()


@pytest.fixture
def sandbox():
    sb = Sandbox()
    sb.create_topics()  # replication factor and min.insync.replicas from KAFKA_REPLICATION_FACTOR/KAFKA_MIN_ISR
    yield sb
    chaoslib.drop_sandbox(sb)


def pytest_terminal_summary(terminalreporter):
    if not RESULTS:
        return
    text = table(RESULTS)
    terminalreporter.write_sep("=", "chaos-cluster: nodes killed, what the stores hold afterwards")
    terminalreporter.write_line(text)
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(
        "# Fault injection on the 3-node cluster (`make chaos-cluster`)\n\n"
        f"Run {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.node()} "
        f"({os.cpu_count()} cores), seed {os.environ.get('CHAOS_SEED', '4')}; Kafka brokers "
        f"{os.environ.get('KAFKA_BOOTSTRAP_SERVERS')}, Cassandra nodes {os.environ.get('CASSANDRA_HOSTS')}.\n\n"
        f"{text}\n\n"
        "Columns as in chaos.md. *recovery time*: from the restart of the killed node and broker until the "
        "stores hold every expected row and the exact analytics (reads at LOCAL_QUORUM); the notes give the "
        "ISR restored and the hints delivered as first seen by the checks that run after the stores are complete "
        "(upper bounds), the duration of `nodetool repair -full` on the restarted node, the final read at ALL, "
        "and the peak RSS of the cluster's services and of the consumer (JVM + Python workers).\n",
        encoding="utf-8")
    terminalreporter.write_line(f"(written to {RESULTS_FILE.relative_to(ROOT)})")
