"""Who may do what: the pipeline's roles and their rights on each service, in one place. The local stack
(stack/*.sh through provision.py), docker-compose.yml's init jobs and the tests grant exactly these.

- admin: makes the topics, the keyspace and the users; the super user of Kafka and Cassandra.
- producer: writes the raw topic, nothing else (it cannot read it back).
- consumer: reads the raw topic, writes the dead-letter topic and commits its consumer group; reads and writes
  the profiles' keyspace (SELECT, MODIFY; not the schema); the analytics database.
- dashboard: reads: the offsets of the consumer's group, the dead letters, the keyspace (SELECT), the analytics.
- kafka-ui: compose's Kafka GUI (profile ui), read-only: the topics' and groups' descriptions and the dead
  letters; never a raw record.

A role's user has the role's name on every service. FerretDB has no roles: every user it knows may do
everything there (docs/security.md).
"""
from __future__ import annotations

from dataclasses import dataclass

ROLES = ("admin", "producer", "consumer", "dashboard", "kafka-ui")
APP_ROLES = ROLES[1:]
SUPER_USER = "admin"
# Where each role's programs connect: the variables of its env file (secrets.py).
SERVICES = {"admin": ("kafka", "cassandra", "mongo"), "producer": ("kafka",),
            "consumer": ("kafka", "cassandra", "mongo"), "dashboard": ("kafka", "cassandra", "mongo"),
            "kafka-ui": ("kafka",)}
# The dashboard's throw-away consumer groups (userprofiles/observe/kafka_reader.py) start with this.
OBSERVER_GROUP_PREFIX = "observe-"


@dataclass(frozen=True)
class Grant:
    """An allow rule of Kafka's StandardAuthorizer: ROLE may OPERATION on the RESOURCE named NAME (a literal
    name, or a prefix)."""
    role: str
    operation: str        # confluent_kafka.admin.AclOperation's name: READ, WRITE, DESCRIBE
    resource: str         # TOPIC, GROUP, CLUSTER
    name: str
    prefixed: bool = False


def kafka_grants(topic: str, dlq_topic: str, group: str) -> list[Grant]:
    """The ACLs of the pipeline on TOPIC (raw records), DLQ_TOPIC and the consumer's GROUP. READ and WRITE imply
    DESCRIBE; WRITE on a topic is enough for an idempotent producer; Spark's Kafka source assigns partitions and
    commits nowhere, so it needs no group. Without DESCRIBE on the topic, the group's offsets read back empty."""
    return [Grant("producer", "WRITE", "TOPIC", topic),
            Grant("consumer", "READ", "TOPIC", topic),
            Grant("consumer", "WRITE", "TOPIC", dlq_topic),
            Grant("consumer", "READ", "GROUP", group),
            Grant("dashboard", "DESCRIBE", "TOPIC", topic),
            Grant("dashboard", "READ", "TOPIC", dlq_topic),
            Grant("dashboard", "DESCRIBE", "GROUP", group),
            Grant("dashboard", "DESCRIBE", "GROUP", OBSERVER_GROUP_PREFIX, prefixed=True),
            # kafka-ui lists every topic, group and broker setting, and shows the dead letters.
            Grant("kafka-ui", "DESCRIBE", "TOPIC", "*"), Grant("kafka-ui", "DESCRIBE_CONFIGS", "TOPIC", "*"),
            Grant("kafka-ui", "DESCRIBE", "GROUP", "*"), Grant("kafka-ui", "DESCRIBE", "CLUSTER", "kafka-cluster"),
            Grant("kafka-ui", "DESCRIBE_CONFIGS", "CLUSTER", "kafka-cluster"),
            Grant("kafka-ui", "READ", "TOPIC", dlq_topic)]


def cassandra_grants(keyspace: str) -> list[str]:
    """CQL that gives the app roles their rights on KEYSPACE (idempotent)."""
    return [f"GRANT SELECT ON KEYSPACE {keyspace} TO consumer", f"GRANT MODIFY ON KEYSPACE {keyspace} TO consumer",
            f"GRANT SELECT ON KEYSPACE {keyspace} TO dashboard"]


def mongo_roles(role: str, database: str) -> list[dict]:
    """ROLE's MongoDB roles on the analytics DATABASE (MongoDB's built-in ones); FerretDB takes none."""
    return {"consumer": [{"role": "readWrite", "db": database}],
            "dashboard": [{"role": "read", "db": database}]}.get(role, [])
