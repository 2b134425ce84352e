"""Cassandra: the keyspace/table of cassandra_schema.cql, and concurrent writes of profile rows.

Rows are written from the Spark executors: each Python worker keeps one driver session (connecting is
costly) and writes its partition with prepared statements, `execute_concurrent_with_args`.
"""
from __future__ import annotations

import logging
import re
import socket
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from ..schema import PROFILE_COLUMNS
from .retry import SinkUnavailable, with_retry

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
    # The writes' consistency level: a cassandra.ConsistencyLevel name, or AUTO (from the keyspace's RF).
    consistency: str = "AUTO"

    @classmethod
    def from_args(cls, args) -> "CassandraConf":
        return cls(hosts=tuple(h.strip() for h in args.cassandra_hosts.split(",") if h.strip()),
                   port=args.cassandra_port, keyspace=args.keyspace, table=args.table,
                   username=args.cassandra_username, password=args.cassandra_password,
                   concurrency=args.cassandra_concurrency, retry_seconds=args.sink_retry_seconds,
                   connect_timeout=args.preflight_timeout, batch_rows=args.cassandra_batch_rows,
                   consistency=getattr(args, "consistency", "AUTO"))


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
                          protocol_version=5,
                          # The driver leaves Nagle's algorithm on: a request over a few KB (an unlogged
                          # batch of 40 rows) then waited ~40 ms for the server's delayed ACK.
                          sockopts=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
        _sessions[key] = cluster.connect()
    return _sessions[key]


def schema_statements(keyspace: str, table: str, replication: str) -> list[str]:
    """The statements of cassandra_schema.cql, for another keyspace/table/replication if asked."""
    text = re.sub(r"--[^\n]*", "", SCHEMA_FILE.read_text())
    text = re.sub(r"\{'class': 'SimpleStrategy', 'replication_factor': 1\}", replication, text)
    text = text.replace("usersprofilespace.users_profiles", f"{keyspace}.{table}")
    text = text.replace("usersprofilespace", keyspace)
    return [s.strip() for s in text.split(";") if s.strip()]


def replication_map(replication_factor: int, datacenter: str) -> str:
    """The keyspace's replication for --replication-factor: SimpleStrategy for 1 (one node, as before),
    NetworkTopologyStrategy in DATACENTER for more (what a real multi-rack or multi-DC cluster needs)."""
    if replication_factor < 1:
        raise ValueError(f"the replication factor must be 1 or more, not {replication_factor}")
    if replication_factor == 1:
        return "{'class': 'SimpleStrategy', 'replication_factor': 1}"
    return f"{{'class': 'NetworkTopologyStrategy', '{datacenter}': {replication_factor}}}"


def replication_factor_of(options: dict, datacenter: str | None = None) -> int:
    """Replicas per row of a keyspace from its replication options (system_schema.keyspaces.replication):
    SimpleStrategy's replication_factor, or NetworkTopologyStrategy's factor in DATACENTER (the largest
    when DATACENTER is None or absent). '3/1' (transient replicas) counts its full replicas."""
    def full(v) -> int:
        return int(str(v).split("/")[0])
    cls = str(options.get("class", ""))
    if cls.endswith("SimpleStrategy"):
        return full(options.get("replication_factor", 1))
    dcs = {k: full(v) for k, v in options.items() if k not in ("class", "replication_factor")}
    if datacenter in dcs:
        return dcs[datacenter]
    return max(dcs.values(), default=1)


def default_consistency(replication_factor: int) -> str:
    """AUTO: LOCAL_QUORUM with 3 replicas or more (a write survives one node lost, and a LOCAL_QUORUM read
    sees it), ONE below (a quorum of 2 is 2: one node lost would stop every write)."""
    return "LOCAL_QUORUM" if replication_factor >= 3 else "ONE"


def _local_dc(s) -> str:
    return s.execute("SELECT data_center FROM system.local", timeout=10).one()[0]


def ensure_schema(conf: CassandraConf, replication: str = "", replication_factor: int = 1) -> None:
    """Create the keyspace (REPLICATION, else replication_map(REPLICATION_FACTOR, the node's datacenter)) and
    the table when missing; an existing keyspace keeps its replication."""
    s = session(conf)
    if not replication:
        replication = replication_map(replication_factor, _local_dc(s) if replication_factor > 1 else "")
    for stmt in schema_statements(conf.keyspace, conf.table, replication):
        s.execute(stmt, timeout=60)


def resolve_consistency(conf: CassandraConf) -> str:
    """The level the writes use: conf.consistency, or for AUTO the default for the keyspace's RF."""
    if conf.consistency.upper() != "AUTO":
        return conf.consistency.upper()
    s = session(conf)
    options = _replication_options(s, conf.keyspace)
    if not options:
        return "ONE"
    try:
        dc = _local_dc(s)
    except Exception:
        dc = None
    return default_consistency(replication_factor_of(options, dc))


def _replication_options(s, keyspace: str) -> dict:
    row = s.execute("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = %s", (keyspace,),
                    timeout=10).one()
    return dict(row[0]) if row else {}


def insert_statement(conf: CassandraConf) -> str:
    cols = ", ".join(PROFILE_COLUMNS)
    marks = ", ".join("?" for _ in PROFILE_COLUMNS)
    return f"INSERT INTO {conf.keyspace}.{conf.table} ({cols}) VALUES ({marks})"


_prepared: dict = {}

# Under Cassandra's batch_size_fail_threshold (50 KiB, stack/cassandra.yaml), with room for the cells' own
# overhead that the estimate below may miss.
BATCH_MAX_BYTES = 40_000
_ROW_OVERHEAD, _CELL_OVERHEAD = 32, 16  # bytes: partition framing, then timestamp and flags of each cell


@dataclass
class WriteResult:
    """What a write did: rows applied, and the rows refused for good (their index in the input, the reason)."""
    written: int = 0
    refused: dict[int, str] = field(default_factory=dict)


def serialized_bytes(bound) -> int:
    """The size of a bound row as Cassandra counts it in a batch: its serialised values plus cell overhead."""
    return _ROW_OVERHEAD + sum(len(v) + _CELL_OVERHEAD if isinstance(v, (bytes, bytearray)) else _CELL_OVERHEAD
                               for v in bound.values)


def group_batches(items: Sequence, sizes: Sequence[int], max_rows: int, replica_of=None,
                  max_bytes: int = BATCH_MAX_BYTES) -> list[list]:
    """Split items into groups of at most max_rows and max_bytes (sizes[i] is the size of items[i]), each
    group's items owned by one replica (replica_of(item) -> hashable; None when the cluster has one node),
    so that an unlogged batch of a group is applied where it lands. An item larger than max_bytes is a
    group of its own (written as a single statement, not a batch)."""
    open_groups: dict = {}
    out: list[list] = []
    for item, size in zip(items, sizes):
        if size > max_bytes:
            out.append([item])
            continue
        key = replica_of(item) if replica_of else None
        g = open_groups.get(key)
        if g is None or len(g[0]) >= max_rows or g[1] + size > max_bytes:
            g = open_groups[key] = [[], 0]
            out.append(g[0])
        g[0].append(item)
        g[1] += size
    return out


def _replica_function(s, conf: CassandraConf):
    """(index, bound row) -> the row's first replica, when there is more than one node; else None."""
    meta = s.cluster.metadata
    if len(meta.all_hosts()) <= 1:
        return None

    def replica_of(item):
        replicas = meta.get_replicas(conf.keyspace, item[1].routing_key)
        return replicas[0].address if replicas else None
    return replica_of


_FIX = "start Cassandra (make up) or fix --cassandra-hosts, then rerun: the batch is replayed from the checkpoint"
# Refusals that concern the table, not a row: every row would be refused, so the batch stops instead.
_SYSTEMIC = ("unconfigured table", "does not exist", "Undefined column", "Keyspace")


def _transient_errors():
    from cassandra import CoordinationFailure, OperationTimedOut, Timeout, Unavailable
    from cassandra.cluster import NoHostAvailable
    from cassandra.connection import ConnectionException
    from cassandra.protocol import IsBootstrappingErrorMessage, OverloadedErrorMessage, ServerError

    return (NoHostAvailable, OperationTimedOut, Timeout, Unavailable, CoordinationFailure, ConnectionException,
            OverloadedErrorMessage, IsBootstrappingErrorMessage, ServerError)


def _statement_for(conf: CassandraConf, cql: str):
    def attempt():
        s = session(conf)
        key = (id(s), cql)
        if key not in _prepared:
            from cassandra import ConsistencyLevel

            stmt = s.prepare(cql)
            # Bound rows inherit it; the batches copy it (see _apply).
            stmt.consistency_level = ConsistencyLevel.name_to_value[resolve_consistency(conf)]
            _prepared[key] = stmt
        return s, _prepared[key]
    return with_retry(f"preparing a statement on Cassandra {','.join(conf.hosts)}:{conf.port}", attempt,
                      _transient_errors(), conf.retry_seconds, _FIX)


def _apply(conf: CassandraConf, what: str, cql: str, rows: Sequence[tuple]) -> WriteResult:
    """Bind each row (a row the driver cannot serialise is refused alone), group the bound rows into
    unlogged batches sized from their serialised bytes, execute them conf.concurrency at a time. A batch
    that fails transiently is retried within the retry budget; one that Cassandra refuses is split into
    single rows, and a single row that Cassandra refuses is refused alone: one bad row never fails the rest."""
    from cassandra import InvalidRequest
    from cassandra.concurrent import execute_concurrent
    from cassandra.query import BatchStatement, BatchType

    result = WriteResult()
    if not rows:
        return result
    s, stmt = _statement_for(conf, cql)
    bound = []
    for i, r in enumerate(rows):
        try:
            bound.append((i, stmt.bind(r)))
        except Exception as exc:  # the driver cannot serialise a value (type, range, a lone surrogate ...)
            result.refused[i] = f"Cassandra cannot encode the row: {type(exc).__name__}: {str(exc)[:200]}"
    max_rows = max(conf.batch_rows, 1)
    pending = group_batches(bound, [serialized_bytes(b) for _, b in bound], max_rows, _replica_function(s, conf))
    transient = _transient_errors()
    deadline, delay = time.monotonic() + conf.retry_seconds, 1.0
    while pending:
        statements = []
        for group in pending:
            if len(group) == 1:
                statements.append((group[0][1], None))
            else:
                b = BatchStatement(batch_type=BatchType.UNLOGGED, consistency_level=stmt.consistency_level)
                for _, row in group:
                    b.add(row)
                statements.append((b, None))
        results = execute_concurrent(s, statements, concurrency=conf.concurrency, raise_on_first_error=False)
        later, now, last = [], [], None
        for group, (ok, res) in zip(pending, results):
            if ok:
                result.written += len(group)
            elif isinstance(res, transient):
                later.append(group)
                last = res
            elif isinstance(res, InvalidRequest) and not any(m in str(res) for m in _SYSTEMIC):
                if len(group) > 1:
                    now.extend([item] for item in group)  # find the row it refuses
                else:
                    result.refused[group[0][0]] = f"Cassandra refused the row: {str(res)[:300]}"
            else:
                raise SinkUnavailable(f"{what} failed: Cassandra refused it ({type(res).__name__}: "
                                      f"{str(res)[:200]}); check the keyspace and table ({conf.keyspace}."
                                      f"{conf.table}) and the credentials, then rerun: the batch is replayed")
        if later:
            if time.monotonic() + delay > deadline:
                raise SinkUnavailable(f"{what} failed for {conf.retry_seconds:.0f}s ({type(last).__name__}: "
                                      f"{str(last)[:200]}); {_FIX}")
            log.warning("%s: %d statements failed (%s); retrying in %.0fs", what, len(later), type(last).__name__,
                        delay)
            time.sleep(delay)
            delay = min(delay * 2, 10.0)
        pending = now + later
    return result


def write_rows(conf: CassandraConf, rows: Sequence[Sequence]) -> WriteResult:
    """Upsert rows (tuples in PROFILE_COLUMNS order, identifiant as text). Idempotent: the primary key is
    the user's uuid, so a replayed batch overwrites the same rows. Unlogged batches of one replica's rows
    cost the driver and the node several times less CPU per row than one request per row; each row is its
    own partition, applied atomically on its own. batch_rows=1 sends one INSERT per row."""
    params = []
    bad: dict[int, str] = {}
    for i, r in enumerate(rows):
        try:
            params.append((i, (uuid.UUID(r[0]),) + tuple(r[1:])))
        except (ValueError, TypeError, AttributeError) as exc:
            bad[i] = f"Cassandra cannot encode the row: identifiant is not a uuid ({exc})"
    res = _apply(conf, f"writing {len(rows)} rows to Cassandra {','.join(conf.hosts)}:{conf.port}",
                 insert_statement(conf), [p for _, p in params])
    index = [i for i, _ in params]
    return WriteResult(res.written, {**bad, **{index[j]: why for j, why in res.refused.items()}})


def delete_rows(conf: CassandraConf, identifiants: Sequence[str]) -> int:
    """Delete the rows of these users (their latest copy is 13 or younger); returns how many were applied."""
    cql = f"DELETE FROM {conf.keyspace}.{conf.table} WHERE identifiant = ?"
    res = _apply(conf, f"deleting {len(identifiants)} rows in Cassandra", cql,
                 [(uuid.UUID(i),) for i in identifiants])
    if res.refused:
        raise SinkUnavailable(f"Cassandra refused a delete: {next(iter(res.refused.values()))}")
    return res.written
