"""Apply a CQL file to the local Cassandra node, statement by statement, with the Python driver.

Usage: python stack/apply_cql.py FILE.cql
Statements are split on ';' outside comments (--, //, /* */) and string literals ('...', $$...$$), so the file
may be commented freely. Host CASSANDRA_HOST (127.0.0.1), port CASSANDRA_PORT (9042); CASSANDRA_REPLICATION replaces the
keyspace's replication map. Exit 1 on the first failure.
"""
import os
import sys


def split_statements(text: str) -> list[str]:
    """Return the statements of TEXT without comments, each stripped and without its ';'."""
    out, cur, i, n = [], [], 0, len(text)
    while i < n:
        c, two = text[i], text[i:i + 2]
        if two in ("--", "//"):  # line comment
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif two == "/*":  # block comment
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            cur.append(" ")
        elif c == "'":  # string literal, '' escapes a quote
            j = i + 1
            while j < n:
                if text[j] == "'" and text[j + 1:j + 2] == "'":
                    j += 2
                elif text[j] == "'":
                    break
                else:
                    j += 1
            cur.append(text[i:j + 1])
            i = j + 1
        elif two == "$$":  # dollar-quoted literal
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


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path = sys.argv[1]
    with open(path, encoding="utf-8") as f:
        text = f.read()
    # The cluster (stack/cluster.sh) creates the keyspace with its own replication map.
    if os.environ.get("CASSANDRA_REPLICATION"):
        text = text.replace("{'class': 'SimpleStrategy', 'replication_factor': 1}", os.environ["CASSANDRA_REPLICATION"])
    statements = split_statements(text)

    from cassandra.cluster import Cluster

    cluster = Cluster([os.environ.get("CASSANDRA_HOST", "127.0.0.1")], port=int(os.environ.get("CASSANDRA_PORT", "9042")),
                      connect_timeout=10, control_connection_timeout=10)
    try:
        session = cluster.connect()
        for stmt in statements:
            try:
                session.execute(stmt, timeout=60)
            except Exception as exc:
                first = " ".join(stmt.split())[:100]
                print(f"apply_cql: {path}: statement failed: {first}...: {exc}", file=sys.stderr)
                return 1
    finally:
        cluster.shutdown()
    print(f"applied {len(statements)} statement(s) from {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
