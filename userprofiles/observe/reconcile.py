"""Check that the MongoDB analytics equal the same aggregates over the Cassandra table; with --repair, make
them so. The table is the reference: it holds the latest copy of every profile.

    python -m userprofiles.observe.reconcile [--repair] [the consumer's --keyspace/--mongo-db/... flags]
    make reconcile [ARGS=--repair]

The aggregates are recounted from the rows as the table holds them, row by row (domain/agreement.py), not by
the consumer's counting, so that a key the consumer counts under another name than the stored one shows as a
difference.

--repair sets every differing counter to the table's figure. That is the repair before a consumer starts on
a new checkpoint while the stores keep their data: the consumer then seeds its per-profile state from the
table (consumer/state.py), which it does only when the analytics equal the table. Run it while no consumer
writes to these stores.
"""
from __future__ import annotations

import sys

from userprofiles.config.logs import setup_logging
from userprofiles.config.options import OBSERVE_OPTIONS, observe_settings, parser
from userprofiles.config.settings import CassandraSettings, MongoSettings
from userprofiles.domain.agreement import differences, expected
from userprofiles.sinks import connections, mongo
from userprofiles.sinks.cassandra import table_rows


def stored(settings: MongoSettings) -> dict[str, dict]:
    """The analytics as MongoDB holds them (a counter at 0 is no key)."""
    return mongo.read_analytics(mongo.database(settings))


def compare(cass: CassandraSettings, mconf: MongoSettings) -> tuple[int, list]:
    """(rows in the table, differences between the analytics and the table)."""
    rows = table_rows(cass)
    return len(rows), differences(expected(rows), stored(mconf))


def repair(settings: MongoSettings, diffs) -> int:
    """Set each differing counter to the table's figure (the replay guards are kept); returns how many."""
    db = mongo.database(settings)
    for coll, key, _, w in diffs:
        figures = {"count": (w or {}).get("count", 0)}
        if coll == "by_nationality":
            figures["age_sum"] = (w or {}).get("age_sum", 0)
        db[coll].update_one({"_id": key}, {"$set": figures}, upsert=True)
    return len(diffs)


def _fmt(v: dict | None) -> str:
    return "-" if v is None else " ".join(f"{k}={n}" for k, n in v.items())


def main(argv=None) -> int:
    p = parser("python -m userprofiles.observe.reconcile", __doc__.split("\n\n")[0], OBSERVE_OPTIONS)
    p.add_argument("--repair", action="store_true", help="set the analytics to the table's figures")
    args = p.parse_args(argv)
    setup_logging(args.log_level)
    stores = observe_settings(args)
    try:
        return _reconcile(stores.cassandra, stores.mongo, args.repair)
    finally:
        connections.close_all()


def _reconcile(cass: CassandraSettings, mconf: MongoSettings, repair_them: bool) -> int:
    try:
        n_rows, diffs = compare(cass, mconf)
    except Exception as exc:
        print(f"reconcile: error: cannot read the stores ({type(exc).__name__}: {str(exc)[:200]}); start them "
              f"(make up) or fix --cassandra-hosts / --mongo-uri.", file=sys.stderr)
        return 2
    print(f"{n_rows} rows in {cass.keyspace}.{cass.table}; {len(diffs)} analytics keys differ")
    if diffs:
        w = max(len(repr(k)) for _, k, _, _ in diffs)
        print(f"{'collection':<16} {'key':<{w}} {'mongodb':<24} cassandra")
        for coll, key, g, want in diffs:
            print(f"{coll:<16} {repr(key):<{w}} {_fmt(g):<24} {_fmt(want)}")
    if repair_them:
        print(f"repaired: {repair(mconf, diffs)} counters set")
        return 0
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
