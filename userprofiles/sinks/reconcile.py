"""Check that the MongoDB analytics equal the same aggregates over the Cassandra table; with --repair, make
them so. The table is the reference: it holds the latest copy of every profile.

    python -m userprofiles.sinks.reconcile [--repair] [the consumer's --keyspace/--mongo-db/... flags]
    make reconcile [ARGS=--repair]

The aggregates are recomputed here from the rows as the table holds them, by this module's own code (it
shares nothing with the consumer's counting), so that a key the consumer counts under another name than the
stored one shows as a difference.

--repair sets every differing counter to the table's figure. That is the repair before a consumer starts on
a new checkpoint while the stores keep their data: the consumer then seeds its per-profile state from the
table (state.py), which it does only when the analytics equal the table. Run it while no consumer writes to
these stores.
"""
from __future__ import annotations

import sys
from collections import Counter

from userprofiles.config.logs import setup_logging
from userprofiles.config.options import OBSERVE_OPTIONS, observe_settings, parser
from userprofiles.config.settings import CassandraSettings, MongoSettings
from userprofiles.sinks import cassandra_connection, connections, mongo

COLLECTIONS = ("by_nationality", "by_gender", "by_age_group", "by_email_domain")
# The age groups of the analytics: (first age, name), youngest first; a stored age below 14 has no group.
_GROUPS = ((14, "14-17"), (18, "18-24"), (25, "25-34"), (35, "35-44"), (45, "45-54"), (55, "55-64"), (65, "65+"))

Row = tuple  # (identifiant, nationality, gender, domain_name, age) as stored


def table_rows(settings: CassandraSettings) -> list[Row]:
    """Every row of the table (paged), the columns the analytics count."""
    s = cassandra_connection.session(settings)
    rs = s.execute(f"SELECT identifiant, nationality, gender, domain_name, age FROM {settings.keyspace}."
                   f"{settings.table}", timeout=300)
    return [(str(r.identifiant), r.nationality, r.gender, r.domain_name, r.age) for r in rs]


def _group(age: int | None) -> str:
    if age is None:
        return "no age"
    names = [name for first, name in _GROUPS if age >= first]
    return names[-1] if names else f"under 14 ({age})"


def expected(rows: list[Row]) -> dict[str, dict]:
    """The analytics of these rows, keyed by the stored values: {collection: {key: {count[, age_sum]}}}."""
    count: dict[str, Counter] = {c: Counter() for c in COLLECTIONS}
    age_sum: Counter = Counter()
    for _ident, nat, gender, domain, age in rows:
        count["by_nationality"][nat] += 1
        age_sum[nat] += age or 0
        count["by_gender"][gender] += 1
        count["by_age_group"][_group(age)] += 1
        count["by_email_domain"][domain] += 1
    out = {c: {k: {"count": n} for k, n in count[c].items()} for c in COLLECTIONS}
    for k, doc in out["by_nationality"].items():
        doc["age_sum"] = age_sum[k]
    return out


def stored(settings: MongoSettings) -> dict[str, dict]:
    """The analytics as MongoDB holds them, the same shape; a counter at 0 is no key."""
    db = mongo.database(settings)
    out = {}
    for c in COLLECTIONS:
        fields = ("count", "age_sum") if c == "by_nationality" else ("count",)
        out[c] = {d["_id"]: {f: d.get(f, 0) for f in fields} for d in db[c].find() if d.get("count", 0) != 0}
    return out


def differences(want: dict, got: dict) -> list[tuple[str, object, dict | None, dict | None]]:
    """(collection, key, in MongoDB, from the table) of every key where they differ."""
    out = []
    for coll in COLLECTIONS:
        for key in sorted(set(want[coll]) | set(got.get(coll, {})), key=repr):
            w, g = want[coll].get(key), got.get(coll, {}).get(key)
            if w != g:
                out.append((coll, key, g, w))
    return out


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
    p = parser("python -m userprofiles.sinks.reconcile", __doc__.split("\n\n")[0], OBSERVE_OPTIONS)
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
