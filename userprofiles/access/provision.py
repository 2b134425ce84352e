"""Giving the roles of roles.py their users and rights on running services, as the admin; idempotent, so that
every `make up` applies it again (a new role or right lands on an existing stack; a password in a role file
is made the service's). The stack's scripts call the steps below; the tests call the same functions for
their own topics and keyspaces.

    python -m userprofiles.access.provision kafka-format-args FILE   Kafka's users, for its storage format
    python -m userprofiles.access.provision kafka BOOTSTRAP RF MIN_ISR  (the names of stack/names.env)
    python -m userprofiles.access.provision cassandra-auth-keyspace RF DATACENTER
    python -m userprofiles.access.provision cassandra
    python -m userprofiles.access.provision mongo

Each reads the admin's and the roles' credentials from STACK_HOME/secrets (secrets.py).
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from userprofiles.access import refusals, roles, secrets
from userprofiles.config import addresses

# --- Kafka ---------------------------------------------------------------------------------------------------


def kafka_format_args(target: Path, home: Path | None = None) -> None:
    """The --add-scram arguments of Kafka's storage format (KIP-900), one per line, for `StorageTool format
    @FILE`: every role's SCRAM user exists from the cluster's first start, and no password is on a command
    line. The file is 0600; the caller deletes it after the format."""
    lines = []
    for role in roles.ROLES:
        pw = secrets.read(role, home)["KAFKA_SASL_PASSWORD"]
        lines += ["--add-scram", f"{secrets.KAFKA_MECHANISM}=[name={role},password={pw}]"]
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")


def kafka_client_config(variables: dict[str, str], bootstrap: str | None = None) -> dict:
    """librdkafka settings of a role's variables (what KafkaSettings.client_config makes of them)."""
    return {"bootstrap.servers": bootstrap or variables.get("KAFKA_BOOTSTRAP_SERVERS") or addresses.kafka_bootstrap(),
            "security.protocol": variables["KAFKA_SECURITY_PROTOCOL"],
            "sasl.mechanism": variables["KAFKA_SASL_MECHANISM"],
            "sasl.username": variables["KAFKA_SASL_USERNAME"], "sasl.password": variables["KAFKA_SASL_PASSWORD"]}


def acl_bindings(grants: list[roles.Grant]):
    from confluent_kafka.admin import AclBinding, AclOperation, AclPermissionType, ResourcePatternType, ResourceType

    return [AclBinding(ResourceType["BROKER" if g.resource == "CLUSTER" else g.resource], g.name,
                       ResourcePatternType.PREFIXED if g.prefixed else ResourcePatternType.LITERAL,
                       f"User:{g.role}", "*", AclOperation[g.operation], AclPermissionType.ALLOW) for g in grants]


def grant_kafka(admin, topic: str, dlq_topic: str, group: str) -> None:
    """The pipeline's ACLs on these names (an ACL that exists already is left as it is)."""
    for _binding, future in admin.create_acls(acl_bindings(roles.kafka_grants(topic, dlq_topic, group)),
                                             request_timeout=30).items():
        future.result()


def revoke_kafka(admin, topic: str, dlq_topic: str, group: str) -> None:
    """Remove the pipeline's ACLs on these names (a test's, with its topics)."""
    from confluent_kafka.admin import AclBindingFilter

    names = (topic, dlq_topic, group)   # not the grants on every name ("*") or on a prefix: they are the stack's
    filters = [AclBindingFilter(b.restype, b.name, b.resource_pattern_type, b.principal, b.host, b.operation,
                                b.permission_type)
               for b in acl_bindings(roles.kafka_grants(topic, dlq_topic, group)) if b.name in names]
    for future in admin.delete_acls(filters, request_timeout=30).values():
        future.result()


def create_topics(admin, topics: dict[str, int], rf: int, min_isr: int, retention: dict[str, int]) -> list[str]:
    """TOPICS (name -> partitions) when missing, replicated RF times, MIN_ISR in sync; RETENTION (name -> ms)
    set on each, also on a topic that exists (the setting may have changed). Returns one line per change."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AlterConfigOpType, ConfigEntry, ConfigResource, NewTopic

    said = []
    existing = admin.list_topics(timeout=30).topics
    for name, parts in topics.items():
        if name in existing and len(existing[name].partitions) != parts:
            said.append(f"topic {name} exists with {len(existing[name].partitions)} partitions (asked {parts}); "
                        f"left unchanged")

    def config(name: str) -> dict:
        out = {"min.insync.replicas": str(min_isr)} if min_isr > 1 else {}
        if name in retention:
            out["retention.ms"] = str(retention[name])
        return out
    missing = [NewTopic(n, num_partitions=p, replication_factor=rf, config=config(n))
               for n, p in topics.items() if n not in existing]
    created = admin.create_topics(missing, operation_timeout=30, request_timeout=30) if missing else {}
    for name, fut in created.items():
        try:
            fut.result()
            said.append(f"created topic {name} ({topics[name]} partitions, replication factor {rf})")
        except KafkaException as exc:
            if exc.args[0].name() != "TOPIC_ALREADY_EXISTS":   # a concurrent creator is fine
                raise
    kept = [n for n in retention if n in existing]
    if kept:
        resources = [ConfigResource("TOPIC", n, incremental_configs=[ConfigEntry(
            "retention.ms", str(retention[n]), incremental_operation=AlterConfigOpType.SET)]) for n in kept]
        for fut in admin.incremental_alter_configs(resources).values():
            fut.result()
    return said


def kafka_users(admin, home: Path | None = None) -> None:
    """Every app role's SCRAM user with its file's password (made at the format; a rotated one changes here)."""
    from confluent_kafka.admin import ScramCredentialInfo, ScramMechanism, UserScramCredentialUpsertion

    info = ScramCredentialInfo(ScramMechanism[secrets.KAFKA_MECHANISM.replace("-", "_")], 8192)
    upserts = [UserScramCredentialUpsertion(role, info, secrets.read(role, home)["KAFKA_SASL_PASSWORD"].encode())
               for role in roles.APP_ROLES if "kafka" in roles.SERVICES[role]]
    for future in admin.alter_user_scram_credentials(upserts, request_timeout=30).values():
        future.result()


def provision_kafka(bootstrap: str, rf: int, min_isr: int, home: Path | None = None) -> list[str]:
    """The app roles' users, the stack's topics (stack/names.env, or the same variables) with the raw topic's
    retention, and the pipeline's ACLs on them and on the consumer's group."""
    from confluent_kafka.admin import AdminClient

    n = addresses.name
    raw, dlq = n("KAFKA_TOPIC"), n("KAFKA_DLQ_TOPIC")
    topics = {raw: int(n("KAFKA_PARTITIONS")), dlq: int(n("KAFKA_DLQ_PARTITIONS"))}
    admin = AdminClient(kafka_client_config(secrets.read("admin", home), bootstrap))
    kafka_users(admin, home)
    said = create_topics(admin, topics, rf, min_isr, {raw: int(float(n("KAFKA_TOPIC_RETENTION_HOURS")) * 3600_000)})
    grant_kafka(admin, raw, dlq, n("SPARK_QUERY_NAME"))
    return said


# --- Cassandra -----------------------------------------------------------------------------------------------


def cassandra_session(user: str, password: str, hosts: list[str] | None = None, port: int | None = None,
                      timeout: float = 10.0):
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
    from cassandra.policies import DCAwareRoundRobinPolicy

    # CASSANDRA_HOST: the node stack/cassandra.sh starts; CASSANDRA_HOSTS: the programs' contact points (compose).
    hosts = hosts or [os.environ.get("CASSANDRA_HOST") or os.environ.get("CASSANDRA_HOSTS", addresses.HOST)]
    profile = ExecutionProfile(load_balancing_policy=DCAwareRoundRobinPolicy())
    cluster = Cluster([h for h in ",".join(hosts).split(",") if h], port=port or addresses.cassandra_port(),
                      protocol_version=5, execution_profiles={EXEC_PROFILE_DEFAULT: profile},
                      auth_provider=PlainTextAuthProvider(user, password), connect_timeout=timeout,
                      control_connection_timeout=timeout)
    return cluster.connect()


def _as_admin_or_default(admin_pw: str, wait_s: float = 90.0):
    """A session as admin; on a stack whose admin role does not exist yet, as Cassandra's default superuser
    (made a moment after the first start: retried until then). Returns (session, is_admin)."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return cassandra_session(roles.SUPER_USER, admin_pw), True
        except Exception as exc:
            if not refusals.login_refused(exc):
                raise
        try:
            return cassandra_session(*secrets.CASSANDRA_DEFAULT_USER), False
        except Exception as exc:
            if not refusals.login_refused(exc) or time.monotonic() > deadline:
                raise RuntimeError("Cassandra refuses both the admin of .stack/secrets/admin.env and its default "
                                   "superuser: its roles were made by another set of credentials; make clean, then "
                                   "make up") from None
        time.sleep(1)


def cassandra_auth_keyspace(rf: int, datacenter: str, home: Path | None = None) -> bool:
    """system_auth replicated RF times in DATACENTER, so that a node lost locks no role out; returns True when
    it changed (then `nodetool repair system_auth` copies the roles to the new replicas)."""
    session, _ = _as_admin_or_default(secrets.read("admin", home)["CASSANDRA_PASSWORD"])
    try:
        row = session.execute("SELECT replication FROM system_schema.keyspaces "
                              "WHERE keyspace_name = 'system_auth'").one()
        if dict(row[0]).get(datacenter) == str(rf):
            return False
        session.execute(f"ALTER KEYSPACE system_auth WITH replication = "
                        f"{{'class': 'NetworkTopologyStrategy', '{datacenter}': {rf}}}")
        return True
    finally:
        session.cluster.shutdown()


def cql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def provision_cassandra(home: Path | None = None) -> list[str]:
    """The admin role (from the default superuser, which is then disabled: no login, a random password), the
    app roles with their files' passwords, the keyspace and table of cassandra_schema.cql (made by the admin),
    and the app roles' grants on it."""
    from userprofiles.config.options import CASSANDRA, CASSANDRA_WRITES, cassandra_settings, parser
    from userprofiles.sinks import cassandra_schema

    admin_pw = secrets.read("admin", home)["CASSANDRA_PASSWORD"]
    said = []
    session, is_admin = _as_admin_or_default(admin_pw)
    if not is_admin:
        session.execute(f"CREATE ROLE IF NOT EXISTS {roles.SUPER_USER} WITH SUPERUSER = true AND LOGIN = true "
                        f"AND PASSWORD = {cql_text(admin_pw)}")
        session.cluster.shutdown()
        session = cassandra_session(roles.SUPER_USER, admin_pw)
        said.append("made the admin role")
    try:
        default = secrets.CASSANDRA_DEFAULT_USER[0]
        row = session.execute("SELECT can_login FROM system_auth.roles WHERE role = %s", (default,)).one()
        if row is not None and row.can_login:
            session.execute(f"ALTER ROLE {default} WITH SUPERUSER = false AND LOGIN = false AND PASSWORD = "
                            f"{cql_text(secrets.password())}")
            said.append(f"disabled Cassandra's default superuser {default}")
        for role in roles.APP_ROLES:
            if "cassandra" not in roles.SERVICES[role]:
                continue
            pw = cql_text(secrets.read(role, home)["CASSANDRA_PASSWORD"])
            session.execute(f"CREATE ROLE IF NOT EXISTS {role} WITH LOGIN = true AND PASSWORD = {pw}")
            session.execute(f"ALTER ROLE {role} WITH PASSWORD = {pw}")   # the file's, also on an existing role
        settings = cassandra_settings(parser("provision", "", (*CASSANDRA, *CASSANDRA_WRITES)).parse_args([]))
        cassandra_schema.ensure_schema(session, settings)
        for stmt in roles.cassandra_grants(settings.keyspace):
            session.execute(stmt)
        said.append(f"applied {cassandra_schema.SCHEMA_FILE.name} and the roles' grants on {settings.keyspace}")
    finally:
        session.cluster.shutdown()
    return said


# --- MongoDB (FerretDB) --------------------------------------------------------------------------------------


def provision_mongo(home: Path | None = None) -> list[str]:
    """The app roles' users (the server made the admin at its first start: FerretDB's FERRETDB_SETUP_*,
    MongoDB's MONGO_INITDB_ROOT_*), with their files' passwords; on MongoDB with roles on the analytics database
    only (roles.mongo_roles), FerretDB having none: each of its users may do everything."""
    from pymongo import MongoClient
    from pymongo.errors import OperationFailure

    admin = secrets.read("admin", home)
    client = MongoClient(os.environ.get("MONGO_URI") or addresses.mongo_uri(), username=admin["MONGO_USERNAME"],
                         password=admin["MONGO_PASSWORD"],
                         authSource="admin", serverSelectionTimeoutMS=10_000)
    said = []
    try:
        ferretdb = "ferretdbVersion" in client.admin.command("buildInfo")
        database = os.environ.get("MONGO_DB") or "users_profiles_analytics"
        for role in roles.APP_ROLES:
            if "mongo" not in roles.SERVICES[role]:
                continue
            v = secrets.read(role, home)
            user, pw = v["MONGO_USERNAME"], v["MONGO_PASSWORD"]
            granted = [] if ferretdb else roles.mongo_roles(role, database)
            try:
                client.admin.command("createUser", user, pwd=pw, roles=granted)
                said.append(f"made the MongoDB user {user}")
            except OperationFailure as exc:
                if exc.code not in (51003, 11000):   # the user exists: give it the file's password (and roles)
                    raise
                client.admin.command("updateUser", user, pwd=pw, **({} if ferretdb else {"roles": granted}))
    finally:
        client.close()
    return said


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    step = args[0] if args else ""
    try:
        if step == "kafka-format-args" and len(args) == 2:
            kafka_format_args(Path(args[1]))
            said = []
        elif step == "kafka" and len(args) == 4:
            said = provision_kafka(args[1], int(args[2]), int(args[3]))
        elif step == "cassandra-auth-keyspace" and len(args) == 3:
            said = ["replicated system_auth"] if cassandra_auth_keyspace(int(args[1]), args[2]) else []
        elif step == "cassandra" and len(args) == 1:
            said = provision_cassandra()
        elif step == "mongo" and len(args) == 1:
            said = provision_mongo()
        else:
            print(__doc__.split("\n\n")[1], file=sys.stderr)
            return 2
    except Exception as exc:   # one line: the stack's scripts add which service and where its log is
        from userprofiles.config.errors import short

        print(f"stack: error: provisioning {step}: {short(exc, 400)}", file=sys.stderr)
        return 1
    for line in said:
        print(f"[stack] {line}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
