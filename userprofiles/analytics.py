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


def count(out: Totals, sign: int, nationalities, genders, domains, ages) -> None:
    """Add SIGN times each profile (the four lists side by side; an age of None is no profile) to OUT."""
    for nat, gender, domain, age in zip(nationalities, genders, domains, ages, strict=True):
        if age is None:
            continue
        for key in (("by_nationality", nat), ("by_gender", gender), ("by_age_group", age_group(age)),
                    ("by_email_domain", domain)):
            v = out.get(key)
            if v is None:
                v = out[key] = {"count": 0, "age_sum": 0}
            v["count"] += sign
            if key[0] == "by_nationality":
                v["age_sum"] += sign * age


def delta(new: Mapping | None, old: Mapping | None) -> Totals:
    """The counter change of a profile whose attributes go from `old` to `new` (None: counted nowhere).
    Keys whose change is nil are left out."""
    out: Totals = {}
    for sign, attrs in ((1, new), (-1, old)):
        if attrs is not None:
            count(out, sign, [attrs["nat"]], [attrs["gender"]], [attrs["domain"]], [attrs["age"]])
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
