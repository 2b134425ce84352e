"""Cassandra: the profiles table (ProfilesSink), written from the Spark executors. Each Python worker keeps
one driver session (connecting costs seconds) and writes its task's rows with prepared statements in unlogged
CQL batches; table_rows reads the table back (the state's seed, make reconcile)."""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from userprofiles import internals
from userprofiles.access import refusals
from userprofiles.config.errors import short
from userprofiles.config.settings import CQL_BATCH_MAX_BYTES, CassandraSettings
from userprofiles.domain.profile import COUNTED, PROFILE_COLUMNS
from userprofiles.sinks import CommitMessage, StreamSink, TaskRows, cassandra_schema, connections
from userprofiles.sinks.cassandra_connection import session, session_key
from userprofiles.sinks.retry import RetryBudget, SinkRefused, SinkUnavailable, with_retry

WRITER_ROLE = "consumer"   # whose credentials the sinks are given (userprofiles/access/roles.py)


def ensure_schema(settings: CassandraSettings) -> str:
    """Create the keyspace and table when missing; returns the consistency level the writes will use."""
    s = session(settings)
    cassandra_schema.ensure_schema(s, settings)
    return cassandra_schema.resolve_consistency(s, settings)


def table_rows(settings: CassandraSettings) -> list[tuple]:
    """Every row of the table (paged): (identifiant, *COUNTED) as stored, the identifiant as text."""
    rs = session(settings).execute(f"SELECT identifiant, {', '.join(COUNTED)} FROM {settings.keyspace}."
                                   f"{settings.table}", timeout=300)
    return [(str(r[0]), *r[1:]) for r in rs]


def insert_statement(settings: CassandraSettings) -> str:
    cols = ", ".join(PROFILE_COLUMNS)
    marks = ", ".join("?" for _ in PROFILE_COLUMNS)
    return f"INSERT INTO {settings.keyspace}.{settings.table} ({cols}) VALUES ({marks})"


BATCH_MAX_BYTES = CQL_BATCH_MAX_BYTES
_ROW_OVERHEAD, _CELL_OVERHEAD = 32, 16  # bytes: partition framing, then timestamp and flags of each cell


@dataclass
class WriteResult:
    """What a write did: rows applied, and the rows refused for good (their index in the input, the reason)."""
    written: int = 0
    refused: dict[int, str] = field(default_factory=dict)


def serialized_bytes(bound) -> int:
    """The size of a bound row as Cassandra counts it in a CQL batch: its serialised values plus cell overhead."""
    values = bound.values
    return _ROW_OVERHEAD + len(values) * _CELL_OVERHEAD + sum(map(len, filter(None, values)))


def group_batches(items: Sequence, sizes: Sequence[int], max_rows: int, replica_of=None,
                  max_bytes: int = BATCH_MAX_BYTES) -> list[list]:
    """Split items into groups of at most max_rows and max_bytes (sizes[i] is the size of items[i]), each
    group's items owned by one replica (replica_of(item) -> hashable; None when the cluster has one node),
    so that an unlogged CQL batch of a group is applied where it lands. An item larger than max_bytes is a
    group of its own (written as a single statement, not a CQL batch)."""
    open_groups: dict = {}
    out: list[list] = []
    for item, size in zip(items, sizes, strict=True):
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


def _replica_function(s, settings: CassandraSettings):
    """(index, bound row) -> the row's first replica, when there is more than one node; else None."""
    meta = s.cluster.metadata
    if len(meta.all_hosts()) <= 1:
        return None

    def replica_of(item):
        replicas = meta.get_replicas(settings.keyspace, item[1].routing_key)
        return replicas[0].address if replicas else None
    return replica_of


_FIX = "start Cassandra (make up) or fix --cassandra-hosts, then rerun: the micro-batch is replayed from the checkpoint"
# Refusals that concern the table, not a row: every row would be refused, so the micro-batch stops instead.
_SYSTEMIC = ("unconfigured table", "does not exist", "Undefined column", "Keyspace")


def _transient_errors():
    from cassandra import CoordinationFailure, OperationTimedOut, Timeout, Unavailable
    from cassandra.cluster import NoHostAvailable
    from cassandra.connection import ConnectionException
    from cassandra.protocol import IsBootstrappingErrorMessage, OverloadedErrorMessage, ServerError

    return (NoHostAvailable, OperationTimedOut, Timeout, Unavailable, CoordinationFailure, ConnectionException,
            OverloadedErrorMessage, IsBootstrappingErrorMessage, ServerError)


def _statement_for(settings: CassandraSettings, cql: str):
    from cassandra import InvalidRequest

    def attempt():
        s = session(settings)

        def prepare():
            from cassandra import ConsistencyLevel

            stmt = s.prepare(cql)
            # Bound rows inherit it; the batches copy it (see _apply).
            stmt.consistency_level = ConsistencyLevel.name_to_value[cassandra_schema.resolve_consistency(s, settings)]
            return stmt
        # Kept beside its session, and forgotten with it (connections.close_all closes the newest first).
        return s, connections.shared(("cassandra-statement", session_key(settings), cql), prepare)
    try:
        return with_retry(f"preparing a statement on Cassandra {settings.address}", attempt,
                          _transient_errors(), settings.retry_seconds, _FIX)
    except InvalidRequest as exc:  # the table is not what the rows need
        raise SinkRefused(f"Cassandra refused the statement {cql.split('(')[0].strip()} ({str(exc)[:200]}); check "
                          f"the table {settings.keyspace}.{settings.table} against cassandra_schema.cql, then "
                          f"restart: the micro-batch is replayed") from None


def cql_values(stmt, columns) -> list[list]:
    """Arrow COLUMNS (one per bound column of STMT, in its order) as the bytes the CQL protocol carries for
    each value (None for null): text is its UTF-8 as Arrow holds it, a uuid its 16 bytes, an int 4 big-endian
    bytes. This is what the driver's bind() computes, without its per-value Python work (its cost is in
    bench/RESULTS.md); a value of another form raises ValueError naming it."""
    import pyarrow as pa

    out = []
    for meta, arr in zip(stmt.column_metadata, columns, strict=True):
        kind = meta.type.typename
        if kind in ("varchar", "text", "ascii"):
            out.append(arr.cast(pa.binary()).to_pylist())
        elif kind == "uuid":
            out.append([None if v is None else _uuid_bytes(v) for v in arr.to_pylist()])
        elif kind == "int":
            out.append([None if v is None else v.to_bytes(4, "big", signed=True) for v in arr.to_pylist()])
        else:
            raise TypeError(f"column {meta.name} of type {kind} has no serialiser here")
    return out


def _uuid_bytes(text: str) -> bytes | str:
    """The 16 bytes of a uuid's text, or the text itself when it is none (that row is refused alone)."""
    try:
        raw = bytes.fromhex(text.replace("-", ""))
    except ValueError:
        return text
    return raw if len(raw) == 16 and len(text) == 36 else text


def _bound(stmt, values: list[list]) -> tuple[list[tuple[int, object]], dict[int, str]]:
    """(index, BoundStatement) of each row of serialised VALUES (columns side by side), and the rows that
    cannot be sent ({index: reason})."""
    bound, refused = [], {}
    for i, row in enumerate(zip(*values, strict=True)):
        if any(isinstance(v, str) for v in row):  # _uuid_bytes gave the text back
            refused[i] = "Cassandra cannot encode the row: identifiant is not a uuid"
            continue
        bound.append((i, internals.bound_statement(stmt, list(row))))
    return bound, refused


def _apply(settings: CassandraSettings, what: str, cql: str, columns) -> WriteResult:
    """Send the rows of COLUMNS (Arrow arrays, one per bound column) as bound statements (a row that cannot
    be encoded is refused alone), grouped into unlogged batches sized from their serialised bytes, executed
    settings.concurrency at a time. A CQL batch that fails transiently is retried within the retry budget; one
    that Cassandra refuses is split into single rows, and a single row that Cassandra refuses is refused
    alone: one bad row never fails the rest."""
    from cassandra import InvalidRequest
    from cassandra.concurrent import execute_concurrent
    from cassandra.query import BatchStatement, BatchType

    result = WriteResult()
    if not len(columns[0]):
        return result
    s, stmt = _statement_for(settings, cql)
    bound, result.refused = _bound(stmt, cql_values(stmt, columns))
    max_rows = max(settings.rows_per_cql_batch, 1)
    pending = group_batches(bound, [serialized_bytes(b) for _, b in bound], max_rows, _replica_function(s, settings))
    transient = _transient_errors()
    budget = RetryBudget(what, settings.retry_seconds, _FIX)
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
        results = execute_concurrent(s, statements, concurrency=settings.concurrency, raise_on_first_error=False)
        later, now, last = [], [], None
        for group, (ok, res) in zip(pending, results, strict=True):
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
                                      f"{str(res)[:200]}); check the keyspace and table ({settings.keyspace}."
                                      f"{settings.table}) and the credentials, then rerun: the micro-batch is replayed")
        if later:
            budget.wait(last, f"{len(later)} statements")   # only the failed statements are sent again
        pending = now + later
    return result


def write_rows(settings: CassandraSettings, rows) -> WriteResult:
    """Upsert ROWS (an Arrow table or record batch with the PROFILE_COLUMNS, identifiant as text). Idempotent:
    the primary key is the user's uuid, so a replayed micro-batch overwrites the same rows. Unlogged batches
    of one replica's rows cost the driver and the node far less CPU per row than one request per row
    (bench/RESULTS.md); each row is its own partition, applied atomically on its own. rows_per_cql_batch=1
    sends one INSERT per row."""
    return _apply(settings, f"writing {rows.num_rows} rows to Cassandra {settings.address}",
                  insert_statement(settings), [rows.column(c) for c in PROFILE_COLUMNS])


def delete_rows(settings: CassandraSettings, identifiants) -> int:
    """Delete the rows of these users (an Arrow array; their latest copy is 13 or younger); returns how many."""
    cql = f"DELETE FROM {settings.keyspace}.{settings.table} WHERE identifiant = ?"
    res = _apply(settings, f"deleting {len(identifiants)} rows in Cassandra", cql, [identifiants])
    if res.refused:
        raise SinkUnavailable(f"Cassandra refused a delete: {next(iter(res.refused.values()))}")
    return res.written


class ProfilesSink(StreamSink):
    """The profiles table: the latest copy of each changed profile upserted, a profile whose latest copy is 13
    or younger deleted. Idempotent (the key is the user's uuid), so a replayed micro-batch writes the same rows.
    The plan refuses what Cassandra would (transform.py), so a row refused here stops the micro-batch: stored
    rows and counted profiles must never part."""
    name = "profiles"
    section = "cassandra"
    settings: CassandraSettings

    @classmethod
    def preflight(cls, settings):
        """The keyspace and table there (made when missing, where the role may), and the consistency level of
        the writes chosen once, so that every executor writes at the same level."""
        c = settings.cassandra
        # The driver logs each failed connection with its traceback; the one-line error below says it all.
        driver_log = logging.getLogger("cassandra")
        level = driver_log.level
        driver_log.setLevel(logging.CRITICAL)
        try:
            consistency = ensure_schema(c)
        except cassandra_schema.SchemaRefused as exc:
            raise SinkRefused(str(exc)) from None
        except Exception as exc:
            refusal = refusals.cassandra_refusal(exc, address=c.address, user=c.username, role=WRITER_ROLE)
            if refusal:
                raise SinkRefused(str(refusal)) from None
            raise SinkRefused(f"Cassandra at {c.address} is unusable ({short(exc)}); start it (make up) or fix "
                              f"--cassandra-hosts / CASSANDRA_HOSTS and --cassandra-port / CASSANDRA_PORT.") from None
        finally:
            driver_log.setLevel(level)
        return replace(settings, cassandra=replace(c, consistency=consistency))

    @classmethod
    def describe(cls, settings) -> str:
        c = settings.cassandra
        return f"Cassandra writes at consistency {c.consistency} (keyspace {c.keyspace})"

    def open(self) -> None:
        _statement_for(self.settings, insert_statement(self.settings))

    def write(self, rows: TaskRows) -> CommitMessage:
        up = rows.upserts
        res = write_rows(self.settings, up) if up.num_rows else WriteResult()
        if res.refused:
            i, why = next(iter(res.refused.items()))
            ident = up.column("identifiant")[i].as_py()
            raise SinkRefused(f"Cassandra refused {len(res.refused)} of {up.num_rows} rows that the plan let "
                              f"through (profile {ident}: {why}); fix the table "
                              f"{self.settings.keyspace}.{self.settings.table} or the plan's checks "
                              f"(userprofiles/consumer/transform.py), then restart: the micro-batch is replayed")
        deleted = delete_rows(self.settings, rows.deletes.column("identifiant")) if rows.deletes.num_rows else 0
        return CommitMessage({"written": res.written, "deleted": deleted})
