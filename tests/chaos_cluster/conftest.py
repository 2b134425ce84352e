"""Fixtures of the cluster fault-injection scenario (make chaos-cluster): the NODES=3 cluster of
stack/cluster.sh must be the one the tests talk to; the table goes to bench/results/chaos-cluster.md."""
import os

import pytest

from tests.support.chaos_fixtures import chaos_clients, require_running, sandbox, write_results  # noqa: F401
from tests.support.paths import ROOT

RESULTS_FILE = ROOT / "bench" / "results" / "chaos-cluster.md"
NODES = int(os.environ.get("NODES", "1"))


@pytest.fixture(scope="session", autouse=True)
def cluster_under_test():
    if NODES < 3:
        pytest.exit("chaos-cluster: NODES must be 3 or more, with the environment of 'stack/cluster.sh env' "
                    "(make chaos-cluster sets it).", returncode=2)
    nodes = range(1, NODES + 1)
    require_running("chaos-cluster", [f"kafka-{i}" for i in nodes] + [f"cassandra-{i}" for i in nodes],
                    f"the cluster with 'make up NODES={NODES}'")


def pytest_terminal_summary(terminalreporter):
    write_results(
        terminalreporter, "chaos-cluster: nodes killed, what the stores hold afterwards", RESULTS_FILE,
        "# Fault injection on the 3-node cluster (`make chaos-cluster`)",
        f"; Kafka brokers {os.environ.get('KAFKA_BOOTSTRAP_SERVERS')}, Cassandra nodes "
        f"{os.environ.get('CASSANDRA_HOSTS')}",
        "Columns as in chaos.md. *recovery time*: from the restart of the killed node and broker until the "
        "stores hold every expected row and the exact analytics (reads at LOCAL_QUORUM); the notes give the "
        "ISR restored and the hints delivered as first seen by the checks that run after the stores are complete "
        "(upper bounds), the duration of `nodetool repair -full` on the restarted node, the final read at ALL, "
        "and the peak RSS of the cluster's services and of the consumer (JVM + Python workers).\n")
