"""Readiness probes of the local stack: each speaks the service's own protocol with its real client, as the
stack's admin (STACK_HOME/secrets/admin.env), or anonymously where the stack has no credentials yet.

Usage: python stack/ready.py kafka|cassandra|mongo [--version]
Exit 0 when the service answers (printing its version with --version), 1 otherwise. A Cassandra that refuses
the admin (its first start: the admin role is made after it answers) answers: its version is then "-".
"""
import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # the checkout, for its addresses module
from userprofiles.access import secrets  # noqa: E402
from userprofiles.config.addresses import port  # noqa: E402


def admin() -> dict:
    try:
        return secrets.read("admin")
    except secrets.SecretsError:
        return {}


def kafka(version: bool) -> str:
    from confluent_kafka.admin import AdminClient

    from userprofiles.access.provision import kafka_client_config

    bootstrap = f"127.0.0.1:{port('KAFKA_PORT')}"
    variables = admin()
    conf = kafka_client_config(variables, bootstrap) if variables else {"bootstrap.servers": bootstrap}
    md = AdminClient({**conf, "socket.timeout.ms": 3000}).list_topics(timeout=3)
    if not md.brokers:
        raise RuntimeError("no broker in metadata")
    return os.environ.get("KAFKA_VERSION", "?")


def cassandra(version: bool) -> str:
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import Cluster

    from userprofiles.access.refusals import login_refused

    variables = admin()
    auth = (PlainTextAuthProvider(variables["CASSANDRA_USERNAME"], variables["CASSANDRA_PASSWORD"]) if variables
            else None)
    cluster = Cluster([os.environ.get("CASSANDRA_HOST", "127.0.0.1")], port=port("CASSANDRA_PORT"), auth_provider=auth,
                      connect_timeout=3, control_connection_timeout=3, protocol_version=5)
    try:
        session = cluster.connect()
        return session.execute("SELECT release_version FROM system.local").one()[0]
    except Exception as exc:
        if login_refused(exc):
            return "-"
        raise
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
