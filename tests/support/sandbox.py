"""A private topic pair, keyspace and MongoDB database per test (or benchmark phase), so that no test sees
another's data, with the readers of what the pipeline wrote there."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .addresses import MONGO_URI, TOPIC_MIN_ISR, TOPIC_RF
from .clients import cassandra_session, consume_all, kafka_admin, message_days, produce


@dataclass
class Sandbox:
    """Names private to one test, so tests never see each other's data."""
    name: str = field(default_factory=lambda: "it_" + uuid.uuid4().hex[:10])
    partitions: int = 3
    mongo_uri: str = MONGO_URI   # another MongoDB server than the stack's (the consumer is told so)

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
                "--starting-offsets", "earliest",
                *(["--mongo-uri", self.mongo_uri] if self.mongo_uri != MONGO_URI else []), *extra]

    # --- Kafka ---
    def create_topics(self) -> None:
        """Replicated like the stack's topics (KAFKA_REPLICATION_FACTOR, KAFKA_MIN_ISR)."""
        from confluent_kafka.admin import NewTopic

        admin = kafka_admin()  # kept until the results are in: they fail when the client is gone
        conf = {"min.insync.replicas": str(TOPIC_MIN_ISR)} if TOPIC_MIN_ISR > 1 else {}
        futures = admin.create_topics([NewTopic(self.topic, self.partitions, TOPIC_RF, config=conf),
                                       NewTopic(self.dlq, 1, TOPIC_RF, config=conf)])
        for f in futures.values():
            f.result(30)

    def drop(self, session=cassandra_session, quiet: bool = False) -> None:
        """Delete the topics, the keyspace (through the shared SESSION) and the database. QUIET: a store
        that does not answer (after a scenario that went wrong) is left as it is."""
        admin = kafka_admin()
        admin.delete_topics([self.topic, self.dlq])
        admin.delete_consumer_groups([self.group])   # absent when no consumer ran: nothing to wait for
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
        from userprofiles.config.settings import MongoSettings
        from userprofiles.sinks.mongo import database

        return database(MongoSettings(uri=self.mongo_uri, db=self.mongo_db))

    def analytics(self) -> dict:
        from userprofiles.sinks.mongo import read_analytics

        return read_analytics(self.mongo())
