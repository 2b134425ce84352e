"""access/roles.py: each role gets what its job needs and nothing of the others'."""
from userprofiles.access import roles


def test_the_kafka_grants_of_each_role():
    g = {(x.role, x.operation, x.resource, x.name, x.prefixed) for x in roles.kafka_grants("t", "d", "g")}
    assert {x for x in g if x[0] == "producer"} == {("producer", "WRITE", "TOPIC", "t", False)}
    assert {x for x in g if x[0] == "consumer"} == {("consumer", "READ", "TOPIC", "t", False),
                                                    ("consumer", "WRITE", "TOPIC", "d", False),
                                                    ("consumer", "READ", "GROUP", "g", False)}
    dashboard = {x for x in g if x[0] == "dashboard"}
    assert all(op in ("READ", "DESCRIBE") for _, op, *_ in dashboard)
    assert ("dashboard", "READ", "TOPIC", "t", False) not in dashboard   # no clear-text record for the dashboard
    assert not {x for x in g if x[0] == "admin"}   # the admin is a super user
    assert not {x for x in g if x[0] == "kafka-ui" and x[1] not in ("DESCRIBE", "DESCRIBE_CONFIGS") and x[3] != "d"}


def test_the_cassandra_grants():
    assert roles.cassandra_grants("ks") == ["GRANT SELECT ON KEYSPACE ks TO consumer",
                                            "GRANT MODIFY ON KEYSPACE ks TO consumer",
                                            "GRANT SELECT ON KEYSPACE ks TO dashboard"]
