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
    concurrency: int = 16
    retry_seconds: float = 120.0
    connect_timeout: float = 10.0
    batch_rows: int = 50

    @classmethod
    def from_args(cls, args) -> "CassandraConf":
        return cls(tuple(h.strip() for h in args.cassandra_hosts.split(",") if h.strip()), args.cassandra_port,
                   args.keyspace, args.table, args.cassandra_username, args.cassandra_password,
                   args.cassandra_concurrency, args.sink_retry_seconds, args.preflight_timeout,
                   args.cassandra_batch_rows)


_sessions: dict = {}


def session(conf: CassandraConf):
    """One cluster connection per process (driver or executor worker), reused across batches."""
    key = (conf.hosts, conf.port, conf.username)
    if key not in _sessions:
        from cassandra.auth import PlainTextAuthProvider
        from cassandra.cluster import Cluster
        from cassandra.policies import DCAwareRoundRobinPolicy, ExponentialReconnectionPolicy, TokenAwarePolicy

        auth = PlainTextAuthProvider(conf.username, conf.password) if conf.username else None
        cluster = Cluster(list(conf.hosts), port=conf.port, auth_provider=auth,
                          load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy()),
                          connect_timeout=conf.connect_timeout, control_connection_timeout=conf.connect_timeout,
                          # The default waits up to 10 minutes between reconnections (1, 2, 4 ... 600 s): after
                          # a 60 s outage the next attempt came ~60 s after the node was back, past the retry
                          # budget of the batch. Retry at most every 5 s, and never give up on the node (the
                          # default stops after 64 attempts): the retry budget decides when a batch fails.
                          reconnection_policy=ExponentialReconnectionPolicy(base_delay=0.5, max_delay=5.0,
                                                                            max_attempts=None),
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


BATCH_MAX_BYTES = 40_000  # under Cassandra's default refusal threshold for a batch (50 KiB)


def _row_bytes(params: Sequence) -> int:
    """A cheap upper estimate of a row's size in a batch: its texts, the uuid, the int, some framing."""
    return 64 + sum(len(v) * 2 if isinstance(v, str) else 16 for v in params)


def group_batches(params: Sequence[Sequence], max_rows: int, replica_of=None,
                  max_bytes: int = BATCH_MAX_BYTES) -> list[list]:
    """Split rows into groups of at most max_rows rows and about max_bytes, each group's rows owned by one
    replica (replica_of(row) -> hashable; None when the cluster has one node), so that an unlogged batch of
    a group is applied where it lands, without the coordinator fanning it out."""
    open_groups: dict = {}
    out: list[list] = []
    for p in params:
        key = replica_of(p) if replica_of else None
        g = open_groups.get(key)
        size = _row_bytes(p)
        if g is None or len(g[0]) >= max_rows or g[1] + size > max_bytes:
            g = open_groups[key] = [[], 0]
            out.append(g[0])
        g[0].append(p)
        g[1] += size
    return out


def _replica_function(s, conf: CassandraConf):
    """Row -> its first replica, when there is more than one node (token-aware grouping); else None."""
    meta = s.cluster.metadata
    if len(meta.all_hosts()) <= 1:
        return None

    def replica_of(p):
        replicas = meta.get_replicas(conf.keyspace, p[0].bytes)  # the key is the uuid, 16 bytes
        return replicas[0].address if replicas else None
    return replica_of


def write_rows(conf: CassandraConf, rows: Sequence[Sequence]) -> int:
    """Upsert rows (tuples in PROFILE_COLUMNS order, identifiant as text); returns how many were written.
    Idempotent: the primary key is the user's uuid, so a replayed batch overwrites the same rows.

    Rows go in unlogged batches of up to conf.batch_rows rows (one replica's rows per batch, under 40 KB),
    conf.concurrency batches in flight: per row, this costs the driver and the node several times less
    CPU than one request per row. Unlogged: each row is its own partition, applied atomically on its own;
    a failed batch fails the attempt, which is retried or replayed whole. batch_rows=1 sends one INSERT
    per row."""
    if not rows:
        return 0
    from cassandra import OperationTimedOut, Unavailable, WriteTimeout
    from cassandra.cluster import NoHostAvailable
    from cassandra.concurrent import execute_concurrent, execute_concurrent_with_args
    from cassandra.query import BatchStatement, BatchType

    params = [(uuid.UUID(r[0]),) + tuple(r[1:]) for r in rows]

    def attempt() -> int:
        s = session(conf)
        key = (id(s), conf.keyspace, conf.table)
        if key not in _prepared:
            _prepared[key] = s.prepare(insert_statement(conf))
        stmt = _prepared[key]
        if conf.batch_rows <= 1:
            results = execute_concurrent_with_args(s, stmt, params, concurrency=conf.concurrency,
                                                   raise_on_first_error=True)
            return sum(1 for ok, _ in results if ok)
        batches = []
        for group in group_batches(params, conf.batch_rows, _replica_function(s, conf)):
            b = BatchStatement(batch_type=BatchType.UNLOGGED)
            for p in group:
                b.add(stmt, p)
            batches.append((b, ()))
        results = execute_concurrent(s, batches, concurrency=conf.concurrency, raise_on_first_error=True)
        return sum(len(b[0]) for b, (ok, _) in zip(batches, results) if ok)

    return with_retry(f"writing {len(rows)} rows to Cassandra {','.join(conf.hosts)}:{conf.port}", attempt,
                      (NoHostAvailable, OperationTimedOut, Unavailable, WriteTimeout), conf.retry_seconds,
                      "start Cassandra (make up) or fix --cassandra-hosts, then rerun: the batch is replayed "
                      "from the checkpoint")


def count_rows(conf: CassandraConf) -> int:
    return session(conf).execute(f"SELECT count(*) FROM {conf.keyspace}.{conf.table}", timeout=120).one()[0]
