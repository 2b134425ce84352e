"""The keyspace's replication and the default consistency (userprofiles/sinks/cassandra_schema.py), for one node
and for the replicated stack."""
import pytest

from userprofiles.sinks.cassandra_schema import (
    default_consistency,
    replication_factor_of,
    replication_map,
    schema_statements,
)


@pytest.mark.parametrize("rf, level", [(1, "ONE"), (2, "ONE"), (3, "LOCAL_QUORUM"), (5, "LOCAL_QUORUM")])
def test_default_consistency(rf, level):
    assert default_consistency(rf) == level


def test_replication_map():
    assert replication_map(1, "ignored") == "{'class': 'SimpleStrategy', 'replication_factor': 1}"
    assert replication_map(3, "datacenter1") == "{'class': 'NetworkTopologyStrategy', 'datacenter1': 3}"
    with pytest.raises(ValueError):
        replication_map(0, "dc")


def test_replication_map_in_schema():
    stmts = schema_statements("ks", "t", replication_map(3, "dc1"))
    assert "{'class': 'NetworkTopologyStrategy', 'dc1': 3}" in stmts[0]
    assert stmts[0].startswith("CREATE KEYSPACE IF NOT EXISTS ks")


@pytest.mark.parametrize("options, dc, rf", [
    ({"class": "org.apache.cassandra.locator.SimpleStrategy", "replication_factor": "1"}, None, 1),
    ({"class": "org.apache.cassandra.locator.SimpleStrategy", "replication_factor": "3"}, "dc1", 3),
    ({"class": "org.apache.cassandra.locator.NetworkTopologyStrategy", "datacenter1": "3"}, "datacenter1", 3),
    ({"class": "org.apache.cassandra.locator.NetworkTopologyStrategy", "dc1": "3", "dc2": "1"}, "dc2", 1),
    ({"class": "org.apache.cassandra.locator.NetworkTopologyStrategy", "dc1": "3", "dc2": "1"}, None, 3),
    ({"class": "org.apache.cassandra.locator.NetworkTopologyStrategy", "dc1": "3/1"}, "dc1", 3),
])
def test_replication_factor_of(options, dc, rf):
    assert replication_factor_of(options, dc) == rf
