"""The keyspace and table, from the one CQL source `cassandra_schema.cql`, and the replication choices.

The stack applies the file at start-up (`python -m userprofiles.sinks.cassandra_schema`, so that cqlsh shows
the table before any run) and the consumer creates the same keyspace and table when missing, for the
keyspace, table and replication it is given: both read the file with `split_statements` below.
"""
from __future__ import annotations

import re
import sys

from userprofiles.config import addresses
from userprofiles.config.options import CASSANDRA, CASSANDRA_WRITES, cassandra_settings, parser
from userprofiles.config.settings import CassandraSettings

SCHEMA_FILE = addresses.SCHEMA_FILE
FILE_KEYSPACE, FILE_TABLE = addresses.schema_table()
_FILE_REPLICATION = re.compile(r"\{\s*'class'\s*:\s*'SimpleStrategy'\s*,\s*'replication_factor'\s*:\s*1\s*\}")


def split_statements(text: str) -> list[str]:
    """The statements of TEXT without comments (--, //, /* */), split on ';' outside string literals
    ('...' with '' escapes, $$...$$), each stripped and without its ';'."""
    out, cur, i, n = [], [], 0, len(text)
    while i < n:
        c, two = text[i], text[i:i + 2]
        if two in ("--", "//"):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif two == "/*":
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            cur.append(" ")
        elif c == "'":
            j = i + 1
            while j < n and not (text[j] == "'" and text[j + 1:j + 2] != "'"):
                j += 2 if text[j] == "'" else 1
            cur.append(text[i:j + 1])
            i = j + 1
        elif two == "$$":
            j = text.find("$$", i + 2)
            j = n if j < 0 else j + 2
            cur.append(text[i:j])
            i = j
        elif c == ";":
            out.append("".join(cur))
            cur = []
            i += 1
        else:
            cur.append(c)
            i += 1
    out.append("".join(cur))
    return [s.strip() for s in out if s.strip()]


def schema_statements(keyspace: str, table: str, replication: str, text: str | None = None) -> list[str]:
    """The statements of cassandra_schema.cql for KEYSPACE.TABLE with REPLICATION (a CQL map)."""
    statements = split_statements(SCHEMA_FILE.read_text(encoding="utf-8") if text is None else text)
    out = []
    for s in statements:
        s = _FILE_REPLICATION.sub(lambda _m: replication, s)
        s = re.sub(rf"\b{FILE_KEYSPACE}\.{FILE_TABLE}\b", f"{keyspace}.{table}", s)
        out.append(re.sub(rf"\b{FILE_KEYSPACE}\b", keyspace, s))
    return out


def replication_map(replication_factor: int, datacenter: str) -> str:
    """SimpleStrategy for 1 (one node), NetworkTopologyStrategy in DATACENTER for more (what a real
    multi-rack or multi-DC cluster needs)."""
    if replication_factor < 1:
        raise ValueError(f"the replication factor must be 1 or more, not {replication_factor}")
    if replication_factor == 1:
        return "{'class': 'SimpleStrategy', 'replication_factor': 1}"
    return f"{{'class': 'NetworkTopologyStrategy', '{datacenter}': {replication_factor}}}"


def replication_factor_of(options: dict, datacenter: str | None = None) -> int:
    """Replicas per row from a keyspace's replication options (system_schema.keyspaces): SimpleStrategy's
    factor, or NetworkTopologyStrategy's in DATACENTER (the largest when it is absent). '3/1' (transient
    replicas) counts its full replicas."""
    def full(v) -> int:
        return int(str(v).split("/")[0])
    if str(options.get("class", "")).endswith("SimpleStrategy"):
        return full(options.get("replication_factor", 1))
    dcs = {k: full(v) for k, v in options.items() if k not in ("class", "replication_factor")}
    if datacenter in dcs:
        return dcs[datacenter]
    return max(dcs.values(), default=1)


def default_consistency(replication_factor: int) -> str:
    """AUTO: LOCAL_QUORUM with 3 replicas or more (a write survives one node lost, and a LOCAL_QUORUM read
    sees it), ONE below (a quorum of 2 is 2: one node lost would stop every write)."""
    return "LOCAL_QUORUM" if replication_factor >= 3 else "ONE"


def local_datacenter(session) -> str:
    return session.execute("SELECT data_center FROM system.local", timeout=10).one()[0]


class SchemaRefused(RuntimeError):
    """The keyspace or table is missing and this role may not create it; the text names who does."""


def exists(session, settings: CassandraSettings) -> bool:
    """True when the keyspace and the table are there (as the driver's schema metadata has them)."""
    ks = session.cluster.metadata.keyspaces.get(settings.keyspace)
    return ks is not None and settings.table in ks.tables


def ensure_schema(session, settings: CassandraSettings) -> None:
    """Create the keyspace (settings.replication, else replication_map of its replication factor in the
    node's datacenter) and the table when missing; an existing keyspace keeps its replication. Nothing is
    asked of Cassandra when both exist: the pipeline's own role may read and write them, not create them."""
    if exists(session, settings):
        return
    from cassandra import Unauthorized

    replication = settings.replication
    if not replication:
        dc = local_datacenter(session) if settings.replication_factor > 1 else ""
        replication = replication_map(settings.replication_factor, dc)
    try:
        for stmt in schema_statements(settings.keyspace, settings.table, replication):
            session.execute(stmt, timeout=60)
    except Unauthorized:
        raise SchemaRefused(f"the table {settings.keyspace}.{settings.table} does not exist and the user "
                            f"'{settings.username}' may not create it; make up creates it as the admin (for another "
                            f"keyspace: CASSANDRA_KEYSPACE=... make up), or fix --keyspace / --table") from None


def resolve_consistency(session, settings: CassandraSettings) -> str:
    """The level the writes use: the setting, or for AUTO the default for the keyspace's replication."""
    if settings.consistency != "AUTO":
        return settings.consistency
    row = session.execute("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = %s",
                          (settings.keyspace,), timeout=10).one()
    if not row:
        return "ONE"
    try:
        dc = local_datacenter(session)
    except Exception:
        dc = None
    return default_consistency(replication_factor_of(dict(row[0]), dc))


def main(argv=None) -> int:
    """The stack's start-up step: apply the schema to the node of CASSANDRA_HOSTS / CASSANDRA_PORT."""
    from userprofiles.sinks.cassandra_connection import connect

    p = parser("python -m userprofiles.sinks.cassandra_schema", "Apply cassandra_schema.cql to a Cassandra node.",
               (*CASSANDRA, *CASSANDRA_WRITES))
    settings = cassandra_settings(p.parse_args(argv))
    session = connect(settings)
    try:
        ensure_schema(session, settings)
    except Exception as exc:
        print(f"cassandra_schema: applying {SCHEMA_FILE} to {settings.address} failed: {exc}", file=sys.stderr)
        return 1
    finally:
        session.cluster.shutdown()
    print(f"applied {SCHEMA_FILE.name} to {settings.address}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
