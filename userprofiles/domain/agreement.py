"""Whether the analytics agree with the table: the aggregates of the stored rows, recounted here row by row
(not by the consumer's Arrow counting, analytics.count), and their differences with what MongoDB holds. The
table is the reference: it holds the latest copy of every profile. make reconcile and a new checkpoint's seed
(consumer/state.py) use it."""
from __future__ import annotations

from collections import Counter

from userprofiles.domain.analytics import COLLECTIONS, age_group

Row = tuple  # (identifiant, nationality, gender, domain_name, age) as stored


def _group(age: int | None) -> str:
    if age is None:
        return "no age"
    try:
        return age_group(age)
    except ValueError:
        return f"under 14 ({age})"   # a row the plan would never store: shown, so that it is found


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


def differences(want: dict, got: dict) -> list[tuple[str, object, dict | None, dict | None]]:
    """(collection, key, in MongoDB, from the table) of every key where they differ."""
    out = []
    for coll in COLLECTIONS:
        for key in sorted(set(want[coll]) | set(got.get(coll, {})), key=repr):
            w, g = want[coll].get(key), got.get(coll, {}).get(key)
            if w != g:
                out.append((coll, key, g, w))
    return out
