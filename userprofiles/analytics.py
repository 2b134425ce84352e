"""MongoDB analytics: which counters a profile adds to, and how partial counts merge. Pure Python, so the
executors and the tests share it.

Collections (documents `{_id: key, count, ...}`), over distinct profiles:
  by_nationality (count, age_sum), by_gender (count), by_age_group (count), by_email_domain (count).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

AGE_GROUPS = ((14, 17), (18, 24), (25, 34), (35, 44), (45, 54), (55, 64))
COLLECTIONS = ("by_nationality", "by_gender", "by_age_group", "by_email_domain")
UNKNOWN = "unknown"

Totals = dict  # {(collection, key): {"count": int, "age_sum": int}}


def age_group(age: int) -> str:
    for lo, hi in AGE_GROUPS:
        if lo <= age <= hi:
            return f"{lo}-{hi}"
    if age >= 65:
        return "65+"
    raise ValueError(f"age {age} is below the youngest group; such users are filtered out")


def claim_fields(profile: Mapping) -> dict:
    """What a profile contributes, stored with its claim so that a replay counts the same values."""
    return {"nat": profile.get("nationality") or UNKNOWN, "gender": profile.get("gender") or UNKNOWN,
            "age_group": age_group(profile["age"]), "domain": profile.get("domain_name") or UNKNOWN,
            "age": int(profile["age"])}


def delta(new: Mapping | None, old: Mapping | None) -> Totals:
    """The counter change of a profile whose claim_fields go from `old` to `new` (None: counted nowhere).
    Keys whose change is nil are left out."""
    out: Totals = {}
    for sign, attrs in ((1, new), (-1, old)):
        if attrs is None:
            continue
        for coll, field in (("by_nationality", "nat"), ("by_gender", "gender"), ("by_age_group", "age_group"),
                            ("by_email_domain", "domain")):
            v = out.setdefault((coll, attrs[field]), {"count": 0, "age_sum": 0})
            v["count"] += sign
            if coll == "by_nationality":
                v["age_sum"] += sign * attrs["age"]
    return {k: v for k, v in out.items() if v["count"] or v["age_sum"]}


def totals(claims: Iterable[Mapping]) -> Totals:
    """Counters added by these claims (see claim_fields)."""
    return merge(delta(c, None) for c in claims)


def merge(parts: Iterable[Totals]) -> Totals:
    out: Totals = defaultdict(lambda: {"count": 0, "age_sum": 0})
    for part in parts:
        for k, v in part.items():
            out[k]["count"] += v["count"]
            out[k]["age_sum"] += v["age_sum"]
    return dict(out)


def increments(collection: str, value: Mapping) -> dict:
    """The $inc of one counter document: age_sum only where it is kept."""
    inc = {"count": value["count"]}
    if collection == "by_nationality":
        inc["age_sum"] = value["age_sum"]
    return inc
