"""MongoDB analytics: which counters a profile adds to, and how partial counts merge. Pure Python, so the
executors and the tests share it.

Collections (documents `{_id: key, count, ...}`), over distinct profiles:
  by_nationality (count, age_sum), by_gender (count), by_age_group (count), by_email_domain (count).
A key is the value the table stores (nationality, gender, domain_name; the age group of age), as it is:
the plan refuses profiles without a gender or a nationality rather than counting them under another key.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from userprofiles.domain.profile import COUNTED, PREVIOUS

AGE_GROUPS = ((14, 17), (18, 24), (25, 34), (35, 44), (45, 54), (55, 64))
COLLECTIONS = ("by_nationality", "by_gender", "by_age_group", "by_email_domain")

Totals = dict  # {(collection, key): {"count": int, "age_sum": int}}


def age_group(age: int) -> str:
    for lo, hi in AGE_GROUPS:
        if lo <= age <= hi:
            return f"{lo}-{hi}"
    if age >= 65:
        return "65+"
    raise ValueError(f"age {age} is below the youngest group; such users are filtered out")


def attributes(nationality: str, gender: str, domain_name: str, age: int) -> dict:
    """What a stored profile counts under: its columns as they are, and the group of its age."""
    return {"nat": nationality, "gender": gender, "age_group": age_group(age), "domain": domain_name, "age": age}


def count(out: Totals, sign: int, profiles, columns: tuple[str, str, str, str] = COUNTED) -> None:
    """Add SIGN times each profile of PROFILES (an Arrow table or record batch; COLUMNS name its nationality,
    gender, domain and age; a null age is no profile) to OUT, grouped in Arrow: Python works per distinct key,
    not per row (the age groups from the distinct ages, by age_group)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    nationality, gender, domain, age = columns
    ages = profiles.column(age)
    t = pa.table({"nat": profiles.column(nationality), "gender": profiles.column(gender),
                  "domain": profiles.column(domain), "age": ages}).filter(pc.is_valid(ages))
    if not t.num_rows:
        return
    groups = [(coll, key, t.group_by(key).aggregate([([], "count_all"), ("age", "sum")]).to_pylist())
              for coll, key in (("by_nationality", "nat"), ("by_gender", "gender"), ("by_email_domain", "domain"))]
    by_age = t.group_by("age").aggregate([([], "count_all")]).to_pylist()
    groups.append(("by_age_group", "group", [{"group": age_group(r["age"]), **r} for r in by_age]))
    for coll, key, rows in groups:
        for row in rows:
            v = out.setdefault((coll, row[key]), {"count": 0, "age_sum": 0})
            v["count"] += sign * row["count_all"]
            if coll == "by_nationality":
                v["age_sum"] += sign * row["age_sum"]


def delta(new: Mapping | None, old: Mapping | None) -> Totals:
    """The counter change of a profile whose attributes go from `old` to `new` (None: counted nowhere).
    Keys whose change is nil are left out."""
    import pyarrow as pa

    out: Totals = {}
    for sign, attrs in ((1, new), (-1, old)):
        if attrs is not None:
            count(out, sign, pa.table({"nationality": [attrs["nat"]], "gender": [attrs["gender"]],
                                       "domain_name": [attrs["domain"]], "age": [attrs["age"]]}))
    return {k: v for k, v in out.items() if v["count"] or v["age_sum"]}


def merge(parts: Iterable[Totals]) -> Totals:
    out: Totals = defaultdict(lambda: {"count": 0, "age_sum": 0})
    for part in parts:
        for k, v in part.items():
            out[k]["count"] += v["count"]
            out[k]["age_sum"] += v["age_sum"]
    return {k: v for k, v in out.items() if v["count"] or v["age_sum"]}


def increments(collection: str, value: Mapping) -> dict:
    """The $inc of one counter document: age_sum only where it is kept."""
    inc = {"count": value["count"]}
    if collection == "by_nationality":
        inc["age_sum"] = value["age_sum"]
    return inc


def changes(upserts, deletes) -> Totals:
    """The counter change of a micro-batch's (or a task's) profile changes: each upserted profile counts under
    its new attributes and no longer under its previous ones (PREVIOUS; none for a new profile), each deleted
    one no longer under its previous ones. UPSERTS and DELETES are Arrow tables or record batches with the
    COUNTED and PREVIOUS columns."""
    out: Totals = {}
    count(out, +1, upserts)
    count(out, -1, upserts, PREVIOUS)
    count(out, -1, deletes, PREVIOUS)
    return {k: v for k, v in out.items() if v["count"] or v["age_sum"]}
