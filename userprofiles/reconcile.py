"""Check that the MongoDB analytics equal the same aggregates over the Cassandra table; with --repair, make
them so. The table is the reference: it holds the latest copy of every profile.

    python -m userprofiles.reconcile [--repair] [the consumer's --keyspace/--mongo-db/... flags]
    make reconcile [ARGS=--repair]

--repair also puts the claims back in line with the table: a claim whose row is missing is deleted (so
that a replay of the topic adds that profile again), a row without a claim or with another one gets a
claim of what it counts for. That is the repair after a checkpoint was deleted following a crash: run it
before the consumer starts on the new checkpoint. Run --repair while no consumer writes to these stores.
"""
from __future__ import annotations

import sys

from . import analytics
from .options import OBSERVE_OPTIONS, observe_settings, parser
from .settings import CassandraSettings, MongoSettings
from .sinks import cassandra, mongo


def table_profiles(settings: CassandraSettings) -> dict[str, dict]:
    """{identifiant: claim_fields} of every row of the table, paged."""
    s = cassandra.session(settings)
    rs = s.execute(f"SELECT identifiant, gender, domain_name, age, nationality FROM {settings.keyspace}."
                   f"{settings.table}", timeout=300)
    return {str(r.identifiant): analytics.claim_fields(
        {"nationality": r.nationality, "gender": r.gender, "domain_name": r.domain_name, "age": r.age}) for r in rs}


def expected(profiles: dict[str, dict]) -> dict[str, dict[str, dict]]:
    """The analytics of these profiles, shaped like mongo.read_analytics."""
    out: dict = {c: {} for c in analytics.COLLECTIONS}
    for (coll, key), v in analytics.totals(profiles.values()).items():
        out[coll][key] = {"count": v["count"], **({"age_sum": v["age_sum"]} if coll == "by_nationality" else {})}
    return out


def differences(want: dict, got: dict) -> list[tuple[str, str, dict | None, dict | None]]:
    """(collection, key, in MongoDB, from the table) of every key where they differ."""
    out = []
    for coll in analytics.COLLECTIONS:
        for key in sorted(set(want[coll]) | set(got.get(coll, {})), key=str):
            w, g = want[coll].get(key), got.get(coll, {}).get(key)
            if w != g:
                out.append((coll, key, g, w))
    return out


def repair(settings: MongoSettings, diffs, profiles: dict[str, dict]) -> tuple[int, int]:
    """Set each differing counter to the table's figure (guards kept); align the claims. Returns
    (counters set, claims changed)."""
    db = mongo.database(settings)
    for coll, key, _, w in diffs:
        figures = {"count": (w or {}).get("count", 0)}
        if coll == "by_nationality":
            figures["age_sum"] = (w or {}).get("age_sum", 0)
        db[coll].update_one({"_id": key}, {"$set": figures}, upsert=True)
    changed = 0
    claims = {d["_id"]: d for d in db[mongo.CLAIMS].find({}, {"attrs": 1})}
    for ident, doc in claims.items():
        if doc.get("attrs") is not None and ident not in profiles:
            db[mongo.CLAIMS].delete_one({"_id": ident})
            changed += 1
    for ident, attrs in profiles.items():
        if ident not in claims or claims[ident].get("attrs") != attrs:
            # Version 0: any copy still in the topic is newer, and rewrites the row and the claim.
            db[mongo.CLAIMS].update_one({"_id": ident}, {"$set": {"attrs": attrs, "query_id": "reconcile",
                                                                  "batch_id": -1},
                                                         "$setOnInsert": {"version": [0, 0, 0], "prev": None}},
                                        upsert=True)
            changed += 1
    return len(diffs), changed


def _fmt(v: dict | None) -> str:
    return "-" if v is None else " ".join(f"{k}={n}" for k, n in v.items())


def main(argv=None) -> int:
    p = parser("python -m userprofiles.reconcile", __doc__.split("\n\n")[0], OBSERVE_OPTIONS)
    p.add_argument("--repair", action="store_true", help="rewrite the analytics (and claims) from the table")
    args = p.parse_args(argv)
    stores = observe_settings(args)
    cass, mconf = stores.cassandra, stores.mongo
    try:
        profiles = table_profiles(cass)
        diffs = differences(expected(profiles), mongo.read_analytics(mconf))
    except Exception as exc:
        print(f"reconcile: error: cannot read the stores ({type(exc).__name__}: {str(exc)[:200]}); start them "
              f"(make up) or fix --cassandra-hosts / --mongo-uri.", file=sys.stderr)
        return 2
    print(f"{len(profiles)} rows in {cass.keyspace}.{cass.table}; {len(diffs)} analytics keys differ")
    if diffs:
        w = max(len(str(k)) for _, k, _, _ in diffs)
        print(f"{'collection':<16} {'key':<{w}} {'mongodb':<24} cassandra")
        for coll, key, g, want in diffs:
            print(f"{coll:<16} {str(key):<{w}} {_fmt(g):<24} {_fmt(want)}")
    if args.repair:
        counters, claims = repair(mconf, diffs, profiles)
        print(f"repaired: {counters} counters set, {claims} claims aligned")
        return 0
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
