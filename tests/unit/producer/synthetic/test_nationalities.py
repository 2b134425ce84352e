"""The per-nationality table: every row's phone, cell, id and postcode shapes, checked on generated records and
proven on the real ones (which also hold older v1.3 shapes that the generator must not produce)."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from userprofiles.producer import synthetic
from userprofiles.producer.synthetic import NATIONALITIES

# v1.4 (what the generator must produce).  Fields: id name, id value regex
# (None -> value must be null), postcode type, postcode regex, phone, cell.
RULES: dict[str, dict] = {
    "AU": dict(id=("TFN", r"\d{9}"), pc=(int, r"\d{3,4}"), phone=r"0\d-\d{4}-\d{4}", cell=r"04\d{2}-\d{3}-\d{3}"),
    "BR": dict(id=("CPF", r"\d{3}\.\d{3}\.\d{3}-\d{2}"), pc=(int, r"\d{5}"),
               phone=r"\(\d{2}\) \d{4}-\d{4}", cell=r"\(\d{2}\) \d{4}-\d{4}"),
    "CA": dict(id=("SIN", r"\d{9}"), pc=(str, r"[A-Z]\d[A-Z] \d[A-Z]\d"),
               phone=r"[A-Z]\d{2} [A-Z]\d{2}-\d{4}", cell=r"[A-Z]\d{2} [A-Z]\d{2}-\d{4}"),
    "CH": dict(id=("AVS", r"756\.\d{4}\.\d{4}\.\d{2}"), pc=(int, r"\d{4}"),
               phone=r"07[5-9] \d{3} \d{2} \d{2}", cell=r"07[5-9] \d{3} \d{2} \d{2}"),
    "DE": dict(id=("SVNR", r"\d{2} \d{4}1?\d{2} \S \d{3}"), pc=(int, r"\d{5}"),
               phone=r"0\d{3}-\d{7}", cell=r"017\d-\d{7}"),
    "DK": dict(id=("CPR", r"\d{4}1?\d{2}-\d{4}"), pc=(int, r"\d{5}"), phone=r"\d{8}", cell=r"\d{8}"),
    "ES": dict(id=("DNI", r"\d{8}-[A-Z]"), pc=(int, r"\d{5}"),
               phone=r"9\d{2}-\d{3}-\d{3}", cell=r"6\d{2}-\d{3}-\d{3}"),
    "FI": dict(id=("HETU", r"NaNNA\d{3}undefined"), pc=(int, r"\d{5}"),
               phone=r"0[2-9]-\d{3}-\d{3}", cell=r"04\d-\d{3}-\d{2}-\d{2}"),
    "FR": dict(id=("INSEE", r"[12]1?\d{2}(?:0\d|1[01])\d{8} \d{2}"), pc=(int, r"\d{5}"),
               phone=r"0[1-5]-\d{2}-\d{2}-\d{2}-\d{2}", cell=r"06-\d{2}-\d{2}-\d{2}-\d{2}"),
    "GB": dict(id=("NINO", r"[A-Z]{2} \d{2} \d{2} \d{2} [A-Z]"),
               pc=(str, r"(?:[A-Z]\d|[A-Z]\d{2}|[A-Z]{2}\d|[A-Z]{2}\d{2}|[A-Z]\d[A-Z]|[A-Z]{2}\d[A-Z]) \d[A-Z]{2}"),
               phone=r"0(?:1\d{3} \d{5,6}|11\d{4} \d{3} \d{4}|1\d1 \d{3} \d{4}|1\d{4} \d{4,5}|2\d \d{4} \d{4})",
               cell=r"07\d{3} \d{6}"),
    "IE": dict(id=("PPS", r"\d{7}T"), pc=(int, r"\d{5}"),
               phone=r"0[1-7]1-\d{3}-\d{4}", cell=r"081-\d{3}-\d{4}"),
    "IN": dict(id=("UIDAI", r"\d{12}"), pc=(int, r"\d{5}"), phone=r"[789]\d{9}", cell=r"[789]\d{9}"),
    "IR": dict(id=("", None), pc=(int, r"\d{5}"), phone=r"0\d{2}-\d{8}", cell=r"09\d{2}-\d{3}-\d{4}"),
    "MX": dict(id=("NSS", r"\d{2} \d{2} \d{2} \d{4} \d"), pc=(int, r"\d{5}"),
               phone=r"\(6\d{2}\) \d{3} \d{4}", cell=r"\(6\d{2}\) \d{3} \d{4}"),
    "NL": dict(id=("BSN", r"\d{8}"), pc=(str, r"\d{4} [A-Z]{2}"),
               phone=r"\(0\d{2}\) \d{7}|\(0\d{3}\) \d{6}", cell=r"\(06\) \d{8}"),
    "NO": dict(id=("FN", r"\d{11}"), pc=(str, r"\d{4}"), phone=r"[235678]\d{7}", cell=r"[49]\d{7}"),
    "NZ": dict(id=("", None), pc=(int, r"\d{5}"), phone=r"\(\d{3}\)-\d{3}-\d{4}", cell=r"\(\d{3}\)-\d{3}-\d{4}"),
    "RS": dict(id=("SID", r"\d{9}"), pc=(int, r"\d{5}"), phone=r"0[123]\d-\d{4}-\d{3}", cell=r"06\d-\d{4}-\d{3}"),
    "TR": dict(id=("", None), pc=(int, r"\d{5}"), phone=r"\(\d{3}\)-\d{3}-\d{4}", cell=r"\(\d{3}\)-\d{3}-\d{4}"),
    "UA": dict(id=("", None), pc=(int, r"\d{5}"),
               phone=r"\(0(?:66|67|68|96|97|98|99)\) [A-Z]\d{2}-\d{4}",
               cell=r"\(0(?:66|67|68|96|97|98|99)\) [A-Z]\d{2}-\d{4}"),
    "US": dict(id=("SSN", r"(?!000|666|9)\d{3}-(?!00)\d{2}-(?!0000)\d{4}"), pc=(int, r"\d{5}"),
               phone=r"\([2-9]\d{2}\) [2-9]\d{2}-\d{4}", cell=r"\([2-9]\d{2}\) [2-9]\d{2}-\d{4}"),
}
# Older live v1.3 shapes that the real sample also contains (accepted for real
# records only; the generator must not produce them).
LEGACY_13: dict[str, dict] = {
    "BR": dict(id=("", None)),
    "CA": dict(id=("", None), phone=r"\d{3}-\d{3}-\d{4}", cell=r"\d{3}-\d{3}-\d{4}"),
    "DE": dict(id=("", None)),
    "FR": dict(id=("INSEE", r"[12]NNaN\d{8} \d{2}")),
    "GB": dict(cell=r"07\d{2}-\d{3}-\d{3}"),
    "NL": dict(pc=(int, r"\d{5}"), phone=r"\(\d{3}\)-\d{3}-\d{4}", cell=r"\(\d{3}\)-\d{3}-\d{4}"),
    "US": dict(id=("SSN", r"\d{3}-\d{2}-\d{4}"),  # 1.3 did not validate SSNs
               phone=r"\(\d{3}\)-\d{3}-\d{4}", cell=r"\(\d{3}\)-\d{3}-\d{4}"),
}
FIELDS = ("id", "pc", "phone", "cell")


def field_ok(rec: dict, field: str, rule) -> bool:
    if field == "id":
        name, rx = rule
        value = rec["id"]["value"]
        if rec["id"]["name"] != name:
            return False
        return value is None if rx is None else isinstance(value, str) and re.fullmatch(rx, value) is not None
    if field == "pc":
        typ, rx = rule
        pc = rec["location"]["postcode"]
        return type(pc) is typ and re.fullmatch(rx, str(pc)) is not None
    return re.fullmatch(rule, rec[field]) is not None


@pytest.mark.parametrize("nat", NATIONALITIES)
def test_nat_rules_generated(nat, users_by_nat):
    recs = users_by_nat[nat]
    assert len(recs) > 100
    rules = RULES[nat]
    for u in recs:
        for f in FIELDS:
            assert field_ok(u, f, rules[f]), (nat, f, u["phone"], u["cell"], u["id"], u["location"]["postcode"])
        assert u["location"]["country"] == synthetic.COUNTRY_NAMES[nat]


@pytest.mark.parametrize("nat", NATIONALITIES)
def test_nat_rules_proven_on_real_records(nat, real_by_nat):
    recs = real_by_nat[nat]
    assert recs, f"no real records for {nat}"
    rules, legacy = RULES[nat], LEGACY_13.get(nat, {})
    strict_hits = Counter()
    for r in recs:
        assert r["location"]["country"] == synthetic.COUNTRY_NAMES[nat]
        for f in FIELDS:
            if field_ok(r, f, rules[f]):
                strict_hits[f] += 1
            else:
                assert f in legacy and field_ok(r, f, legacy[f]), (nat, f, r["phone"], r["cell"], r["id"],
                                                                  r["location"]["postcode"])
    # every v1.4 rule is matched by live data
    for f in FIELDS:
        assert strict_hits[f] > 0, (nat, f)


def test_postcode_types(users_by_nat):
    for nat, recs in users_by_nat.items():
        types = {type(u["location"]["postcode"]) for u in recs}
        assert types == ({str} if nat in ("CA", "GB", "NO", "NL") else {int}), nat
    assert all(200 <= u["location"]["postcode"] <= 9999 for u in users_by_nat["AU"])
    assert all(1000 <= u["location"]["postcode"] <= 9999 for u in users_by_nat["CH"])
    assert all(10000 <= u["location"]["postcode"] <= 99999 for u in users_by_nat["US"])


def test_titles(users, real):
    for rec in users + real:
        t, g = rec["name"]["title"], rec["gender"]
        if rec["nat"] == "CH":
            assert t in ({"Monsieur"} if g == "male" else {"Madame", "Mademoiselle"})
        else:
            assert t in ({"Mr"} if g == "male" else {"Miss", "Mrs", "Ms"})
    assert {u["name"]["title"] for u in users if u["gender"] == "female" and u["nat"] != "CH"} == {"Miss", "Mrs", "Ms"}
