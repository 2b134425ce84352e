"""Cassandra: the keyspace/table of cassandra_schema.cql, and concurrent writes of profile rows.

Rows are written from the Spark executors: each Python worker keeps one driver session (connecting is
costly) and writes its partition with prepared statements, `execute_concurrent_with_args`.
"""
from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..schema import PROFILE_COLUMNS
from .retry import with_retry

log = logging.getLogger(__name__)
SCHEMA_FILE = Path(__file__).resolve().parents[2] / "cassandra_schema.cql"


@dataclass(frozen=True)
class CassandraConf:
    hosts: tuple[str, ...]
    port: int
    keyspace: str
    table: str
    username: str = ""
    password: str = ""
    concurrency: int = 64
    retry_seconds: float = 120.0
    connect_timeout: float = 10.0

    @classmethod
    def from_args(cls, args) -> "CassandraConf":
        return cls(tuple(h.strip() for h in args.cassandra_hosts.split(",") if h.strip()), args.cassandra_port,
                   args.keyspace, args.table, args.cassandra_username, args.cassandra_password,
                   args.cassandra_concurrency, args.sink_retry_seconds, args.preflight_timeout)


_sessions: dict = {}


def session(conf: CassandraConf):
    """One cluster connection per process (driver or executor worker), reused across batches."""
    key = (conf.hosts, conf.port, conf.username)
    if key not in _sessions:
        from cassandra.auth import PlainTextAuthProvider
        from cassandra.cluster import Cluster
        from cassandra.policies import DCAwareRoundRobinPolicy, TokenAwarePolicy

        auth = PlainTextAuthProvider(conf.username, conf.password) if conf.username else None
        cluster = Cluster(list(conf.hosts), port=conf.port, auth_provider=auth,
                          load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy()),
                          connect_timeout=conf.connect_timeout, control_connection_timeout=conf.connect_timeout,
                          protocol_version=5)
        _sessions[key] = cluster.connect()
    return _sessions[key]


def schema_statements(keyspace: str, table: str, replication: str) -> list[str]:
    """The statements of cassandra_schema.cql, for another keyspace/table/replication if asked."""
    text = re.sub(r"--[^\n]*", "", SCHEMA_FILE.read_text())
    text = re.sub(r"\{'class': 'SimpleStrategy', 'replication_factor': 1\}", replication, text)
    text = text.replace("usersprofilespace.users_profiles", f"{keyspace}.{table}")
    text = text.replace("usersprofilespace", keyspace)
    return [s.strip() for s in text.split(";") if s.strip()]


def ensure_schema(conf: CassandraConf, replication: str) -> None:
    s = session(conf)
    for stmt in schema_statements(conf.keyspace, conf.table, replication):
        s.execute(stmt, timeout=60)


def insert_statement(conf: CassandraConf) -> str:
    cols = ", ".join(PROFILE_COLUMNS)
    marks = ", ".join("?" for _ in PROFILE_COLUMNS)
    return f"INSERT INTO {conf.keyspace}.{conf.table} ({cols}) VALUES ({marks})"


_prepared: dict = {}


def write_rows(conf: CassandraConf, rows: Sequence[Sequence]) -> int:
    """Upsert rows (tuples in PROFILE_COLUMNS order, identifiant as text); returns how many were written.
    Idempotent: the primary key is the user's uuid, so a replayed batch overwrites the same rows."""
    if not rows:
        return 0
    from cassandra import OperationTimedOut, Unavailable, WriteTimeout
    from cassandra.cluster import NoHostAvailable
    from cassandra.concurrent import execute_concurrent_with_args

    params = [(uuid.UUID(r[0]),) + tuple(r[1:]) for r in rows]

    def attempt() -> int:
        s = session(conf)
        key = (id(s), conf.keyspace, conf.table)
        if key not in _prepared:
            _prepared[key] = s.prepare(insert_statement(conf))
        results = execute_concurrent_with_args(s, _prepared[key], params, concurrency=conf.concurrency,
                                               raise_on_first_error=True)
        return sum(1 for ok, _ in results if ok)

    return with_retry(f"writing {len(rows)} rows to Cassandra {','.join(conf.hosts)}:{conf.port}", attempt,
                      (NoHostAvailable, OperationTimedOut, Unavailable, WriteTimeout), conf.retry_seconds,
                      "start Cassandra (make up) or fix --cassandra-hosts, then rerun: the batch is replayed "
                      "from the checkpoint")


def count_rows(conf: CassandraConf) -> int:
    return session(conf).execute(f"SELECT count(*) FROM {conf.keyspace}.{conf.table}", timeout=120).one()[0]
