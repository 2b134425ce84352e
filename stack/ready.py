"""Readiness probes of the local stack: each speaks the service's own protocol with its real client.

Usage: python stack/ready.py kafka|cassandra|mongo [--version]
Exit 0 when the service answers (printing its version with --version), 1 otherwise.
"""
import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # the checkout, for its addresses module
from userprofiles.config.addresses import port  # noqa: E402


def kafka(version: bool) -> str:
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": f"127.0.0.1:{port('KAFKA_PORT')}",
                         "socket.timeout.ms": 3000})
    md = admin.list_topics(timeout=3)
    if not md.brokers:
        raise RuntimeError("no broker in metadata")
    return os.environ.get("KAFKA_VERSION", "?")


def cassandra(version: bool) -> str:
    from cassandra.cluster import Cluster

    cluster = Cluster([os.environ.get("CASSANDRA_HOST", "127.0.0.1")],
                      port=port("CASSANDRA_PORT"),
                      connect_timeout=3, control_connection_timeout=3)
    try:
        session = cluster.connect()
        return session.execute("SELECT release_version FROM system.local").one()[0]
    finally:
        cluster.shutdown()


def mongo(version: bool) -> str:
    from pymongo import MongoClient

    client = MongoClient(f"mongodb://127.0.0.1:{port('MONGO_PORT')}/",
                         serverSelectionTimeoutMS=3000)
    try:
        client.admin.command("ping")
        return client.server_info().get("version", "?")
    finally:
        client.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("service", choices=["kafka", "cassandra", "mongo"])
    ap.add_argument("--version", action="store_true")
    args = ap.parse_args()
    try:
        v = globals()[args.service](args.version)
    except Exception as exc:  # any failure means "not ready yet"
        print(f"{args.service} not ready: {exc}", file=sys.stderr)
        return 1
    if args.version:
        print(v)
    return 0


if __name__ == "__main__":
    sys.exit(main())
