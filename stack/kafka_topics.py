"""Create the project's Kafka topics when missing (idempotent), with the venv's confluent-kafka.

Usage: python stack/kafka_topics.py BOOTSTRAP NAME:PARTITIONS [NAME:PARTITIONS ...]
Existing topics are left as they are (a partition count that differs is reported, not changed).
Exit 0 when every topic exists afterwards, 1 otherwise.
Env: KAFKA_REPLICATION_FACTOR (1) and KAFKA_MIN_ISR (1; min.insync.replicas, set only when > 1) of new topics.
"""
import os
import sys

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic


def main() -> int:
    bootstrap, specs = sys.argv[1], sys.argv[2:]
    wanted = {}
    for spec in specs:
        name, _, parts = spec.partition(":")
        wanted[name] = int(parts or 1)
    admin = AdminClient({"bootstrap.servers": bootstrap, "socket.timeout.ms": 5000})
    existing = admin.list_topics(timeout=10).topics
    for name, parts in wanted.items():
        if name in existing and len(existing[name].partitions) != parts:
            print(f"[stack] topic {name} exists with {len(existing[name].partitions)} partitions "
                  f"(asked {parts}); left unchanged", file=sys.stderr)
    rf = int(os.environ.get("KAFKA_REPLICATION_FACTOR", "1"))
    min_isr = int(os.environ.get("KAFKA_MIN_ISR", "1"))
    config = {"min.insync.replicas": str(min_isr)} if min_isr > 1 else {}
    missing = [NewTopic(n, num_partitions=p, replication_factor=rf, config=config)
               for n, p in wanted.items() if n not in existing]
    if not missing:
        return 0
    failed = False
    for name, fut in admin.create_topics(missing, operation_timeout=30, request_timeout=30).items():
        try:
            fut.result()
            print(f"[stack] created topic {name} ({wanted[name]} partitions, replication factor {rf})", file=sys.stderr)
        except KafkaException as exc:
            # A concurrent creator is fine: the topic exists, which is all we need.
            if exc.args[0].name() == "TOPIC_ALREADY_EXISTS":
                continue
            print(f"stack: error: creating topic {name} failed: {exc.args[0].str()}", file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
