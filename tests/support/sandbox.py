"""A private topic pair, keyspace and MongoDB database per test (or benchmark phase), so that no test sees
another's data, with the readers of what the pipeline wrote there. The admin makes them and gives the roles
their rights on them (userprofiles/access/roles.py), as make up does for the stack's own names; the programs
under test run as their roles (env)."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from userprofiles.access import provision, roles, secrets
from userprofiles.config.settings import MongoSettings

from .addresses import MONGO_URI, SETTINGS, TOPIC_MIN_ISR, TOPIC_RF
from .clients import cassandra_session, consume_all, kafka_admin, message_days, produce
from .processes import child_env


@dataclass
class Sandbox:
    """Names private to one test, so tests never see each other's data."""
    name: str = field(default_factory=lambda: "it_" + uuid.uuid4().hex[:10])
    partitions: int = 3
    # A MongoDB server of the test's own instead of the stack's: its address, and the STACK_HOME that holds
    # its credentials.
    mongo_uri: str = MONGO_URI
    mongo_home: Path | None = None

    @property
    def topic(self) -> str: return self.name

    @property
    def dlq(self) -> str: return self.name + "_dlq"

    @property
    def keyspace(self) -> str: return self.name

    @property
    def mongo_db(self) -> str: return self.name

    def checkpoint(self, tmp: Path) -> Path: return tmp / f"{self.name}-checkpoint"

    @property
    def group(self) -> str: return self.name   # the consumer's query name, so its consumer group too

    def consumer_args(self, tmp: Path, *extra: str) -> list[str]:
        return ["--topic", self.topic, "--dlq-topic", self.dlq, "--keyspace", self.keyspace,
                "--mongo-db", self.mongo_db, "--checkpoint", str(self.checkpoint(tmp)), "--query-name", self.group,
                "--starting-offsets", "earliest", *extra]

    def mongo_settings(self, role: str = "admin") -> MongoSettings:
        """The sandbox's MongoDB server and database, logged in as ROLE."""
        v = secrets.read(role, self.mongo_home)
        return MongoSettings(uri=self.mongo_uri, db=self.mongo_db, username=v["MONGO_USERNAME"],
                             password=v["MONGO_PASSWORD"])

    def env(self, role: str) -> dict:
        """The environment of a program of ROLE on this sandbox: its credentials, and those and the address of
        the sandbox's own MongoDB server when it has one."""
        env = child_env(role)
        if self.mongo_uri != MONGO_URI:
            env["MONGO_URI"] = self.mongo_uri
        if self.mongo_home and "MONGO_USERNAME" in env:
            env.update({k: v for k, v in secrets.read(role, self.mongo_home).items() if k.startswith("MONGO_")})
        return env

    # --- Kafka, Cassandra: the names and the roles' rights on them ---
    def create_topics(self) -> None:
        """The topics, replicated like the stack's (KAFKA_REPLICATION_FACTOR, KAFKA_MIN_ISR), the keyspace and
        table, and the roles' grants on them."""
        provision.create_topics(kafka_admin(), {self.topic: self.partitions, self.dlq: 1}, TOPIC_RF, TOPIC_MIN_ISR, {})
        provision.grant_kafka(kafka_admin(), self.topic, self.dlq, self.group)
        self.create_keyspace()

    def create_keyspace(self, session=cassandra_session) -> None:
        from dataclasses import replace

        from userprofiles.sinks import cassandra_schema

        settings = replace(SETTINGS.cassandra, keyspace=self.keyspace)
        cassandra_schema.ensure_schema(session(), settings)
        for stmt in roles.cassandra_grants(self.keyspace):
            session().execute(stmt, timeout=60)

    def drop(self, session=cassandra_session, quiet: bool = False) -> None:
        """Delete the topics, the roles' ACLs on them, the keyspace (through the shared SESSION) and the
        database. QUIET: a store that does not answer (after a scenario that went wrong) is left as it is."""
        admin = kafka_admin()
        admin.delete_topics([self.topic, self.dlq])
        admin.delete_consumer_groups([self.group])   # absent when no consumer ran: nothing to wait for
        try:
            provision.revoke_kafka(admin, self.topic, self.dlq, self.group)
        except Exception:
            if not quiet:
                raise
        try:
            session().execute(f"DROP KEYSPACE IF EXISTS {self.keyspace}", timeout=120)
        except Exception:
            pass
        try:
            self.mongo().client.drop_database(self.mongo_db)
        except Exception:
            if not quiet:
                raise

    def produce(self, values, keys=None) -> None:
        """Raw messages (bytes/str/None), keyed as given (None = no key)."""
        produce(self.topic, values, keys)

    def days(self) -> dict:
        """uuid -> the day the consumer computes that profile's age on (its latest copy's Kafka timestamp)."""
        return message_days(self.topic)

    def dead_letters(self, expected: int, timeout: float = 30) -> list[dict]:
        return [json.loads(m.value()) for m in consume_all(self.dlq, expected, timeout)]

    # --- Cassandra / MongoDB ---
    def rows(self) -> dict[str, dict]:
        rs = cassandra_session().execute(f"SELECT * FROM {self.keyspace}.users_profiles", timeout=120)
        return {str(r.identifiant): r._asdict() for r in rs}

    def row_count(self) -> int:
        return cassandra_session().execute(f"SELECT count(*) FROM {self.keyspace}.users_profiles",
                                           timeout=60).one()[0]

    def writetimes(self) -> dict[str, int]:
        rs = cassandra_session().execute(
            f"SELECT identifiant, WRITETIME(full_name) AS wt FROM {self.keyspace}.users_profiles", timeout=120)
        return {str(r.identifiant): r.wt for r in rs}

    def mongo(self):
        """The sandbox's MongoDB database (the writer's client, one per server)."""
        from userprofiles.sinks.mongo import database

        return database(self.mongo_settings())

    def analytics(self) -> dict:
        from userprofiles.sinks.mongo import read_analytics

        return read_analytics(self.mongo())
