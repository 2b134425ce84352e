"""Tests for userprofiles.synthetic: the offline randomuser.me v1.4 generator.

The per-nationality regexes are checked twice: against generated records and
against the real API records in /work/shared/randomuser/records.jsonl, so that
the rules the generator is held to are proven on live data.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import unicodedata
import uuid
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from userprofiles import synthetic
from userprofiles.synthetic import NATIONALITIES, generate_user, generate_users

PROJECT_ROOT = Path(__file__).resolve().parents[2]

NOW = datetime(2026, 3, 14, 9, 26, 53, 589000, tzinfo=timezone.utc)
ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
CENTRAL = ZoneInfo("America/Chicago")


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def real(real_records) -> list[dict]:
    return [json.loads(line) for line in real_records if line.strip()]


@pytest.fixture(scope="module")
def real_by_nat(real) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for r in real:
        out[r["nat"]].append(r)
    return out


@pytest.fixture(scope="module")
def users() -> list[dict]:
    # ~200 per nationality
    return generate_users(4200, seed=20260314, now=NOW)


@pytest.fixture(scope="module")
def users_by_nat(users) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for u in users:
        out[u["nat"]].append(u)
    return out


# ---------------------------------------------------------------- helpers

def type_map(rec, prefix="") -> dict[str, str]:
    out = {}
    for k, v in rec.items():
        path = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict):
            out.update(type_map(v, path))
        else:
            out[path] = type(v).__name__
    return out


def key_orders(rec, prefix="") -> dict[str, list[str]]:
    out = {prefix or "<root>": list(rec)}
    for k, v in rec.items():
        if isinstance(v, dict):
            out.update(key_orders(v, f"{prefix}.{k}" if prefix else k))
    return out


def parse_iso(s: str) -> datetime:
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def ref_age(born: datetime, now: datetime) -> int:
    """Completed years, written independently of the module (dayjs rule:
    a 29 February birthday falls on 28 February in common years)."""
    month, day = born.month, born.day
    if (month, day) == (2, 29) and not calendar.isleap(now.year):
        day = 28
    years = now.year - born.year
    if (now.month, now.day, now.timetz().replace(tzinfo=None)) < (month, day, born.timetz().replace(tzinfo=None)):
        years -= 1
    return years


_SPECIAL = {"ø": "o", "æ": "ae", "ß": "ss", "đ": "d", "ı": "i", "ł": "l", "œ": "oe"}


def latin_email_part(name: str) -> str:
    s = "".join(_SPECIAL.get(c, c) for c in name.lower())
    s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    return s.replace(" ", "")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(digits):
        v = int(ch) * (2 if i % 2 else 1)
        total += v - 9 if v > 9 else v
    return total % 10 == 0


def no_fn_ok(fn: str) -> bool:
    d = [int(c) for c in fn]

    def check(weights, digits):
        s = sum(w * x for w, x in zip(weights, digits)) % 11
        return 0 if s == 0 else 11 - s

    return (check((3, 7, 6, 1, 8, 9, 4, 5, 2), d) == d[9]
            and check((5, 4, 3, 2, 7, 6, 5, 4, 3, 2), d) == d[10])


# ---------------------------------------------------------------- per-nat rules
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


# ---------------------------------------------------------------- structure

def test_real_sample_shape_is_uniform(real):
    paths = {frozenset(type_map(r)) for r in real}
    assert len(paths) == 1
    tm = defaultdict(set)
    for r in real:
        for p, t in type_map(r).items():
            tm[p].add(t)
    # the only mixed types in live data: postcode and id.value
    mixed = {p: ts for p, ts in tm.items() if len(ts) > 1}
    assert mixed == {"location.postcode": {"int", "str"}, "id.value": {"str", "NoneType"}}


def test_structure_and_types_match_real_records(real, users):
    real_types: dict[str, set[str]] = defaultdict(set)
    for r in real:
        for p, t in type_map(r).items():
            real_types[p].add(t)
    real_order = key_orders(real[0])
    for u in users:
        tm = type_map(u)
        assert set(tm) == set(real_types)
        for p, t in tm.items():
            assert t in real_types[p], (p, t, u["nat"])
        assert key_orders(u) == real_order


def test_records_are_plain_json(users):
    for u in users[:500]:
        assert json.loads(json.dumps(u)) == u
        json.dumps(u, ensure_ascii=True)


def test_top_level_key_order_is_the_api_order(users):
    assert list(users[0]) == ["gender", "name", "location", "email", "login", "dob", "registered",
                              "phone", "cell", "id", "picture", "nat"]


# ---------------------------------------------------------------- login

def _check_login(rec):
    lg = rec["login"]
    raw = (lg["password"] + lg["salt"]).encode("utf-8")
    assert lg["md5"] == hashlib.md5(raw).hexdigest()
    assert lg["sha1"] == hashlib.sha1(raw).hexdigest()
    assert lg["sha256"] == hashlib.sha256(raw).hexdigest()
    assert re.fullmatch(r"[a-zA-Z0-9]{8}", lg["salt"])
    u = uuid.UUID(lg["uuid"])
    assert u.version == 4 and str(u) == lg["uuid"]
    assert re.fullmatch(r"[a-z]+[1-9]\d{2}", lg["username"])


def test_login_real_records(real):
    for r in real:
        _check_login(r)


def test_login_generated(users):
    for u in users:
        _check_login(u)
        assert re.fullmatch(r"(?:%s)(?:%s)[1-9]\d{2}" % ("|".join(synthetic._ADJECTIVES), "|".join(synthetic._ANIMALS)),
                            u["login"]["username"])
    assert len({u["login"]["uuid"] for u in users}) == len(users)
    assert len({u["login"]["password"] for u in users}) > 30


# ---------------------------------------------------------------- email

def _check_email(rec):
    email = rec["email"]
    assert re.fullmatch(r"[a-z][a-z.\-]*\.[a-z][a-z.\-]*@example\.com", email), email
    if rec["nat"] != "IR":
        expected = f"{latin_email_part(rec['name']['first'])}.{latin_email_part(rec['name']['last'])}@example.com"
        assert email == expected


def test_email_rule_on_real_records(real):
    for r in real:
        _check_email(r)


def test_email_rule_generated(users):
    for u in users:
        _check_email(u)


def test_ir_is_persian_script_with_romanised_email(users_by_nat):
    arabic = re.compile(r"[\u0600-\u06FF]")
    for u in users_by_nat["IR"]:
        assert arabic.search(u["name"]["first"]) and arabic.search(u["name"]["last"])
        assert arabic.search(u["location"]["city"]) and arabic.search(u["location"]["street"]["name"])
        assert u["email"].isascii()


def test_ua_rs_names_are_latin(users_by_nat, real_by_nat):
    cyrillic = re.compile(r"[\u0400-\u04FF]")
    for nat in ("UA", "RS"):
        for rec in users_by_nat[nat] + real_by_nat[nat]:
            for text in (rec["name"]["first"], rec["name"]["last"], rec["location"]["city"],
                         rec["location"]["state"], rec["location"]["street"]["name"]):
                assert not cyrillic.search(text), (nat, text)
    # Serbian Latin keeps its diacritics
    assert any(re.search("[čćđšžČĆĐŠŽ]", u["name"]["last"]) for u in users_by_nat["RS"])


def test_known_romanisations():
    assert synthetic._email_part("هستی") == "hsty"
    assert synthetic._email_part("علیزاده") == "aalyzdh"
    assert synthetic._email_part("Tømmerås") == "tommeras"
    assert synthetic._email_part("Kulaksızoğlu") == "kulaksizoglu"
    assert synthetic._email_part("da Mata") == "damata"
    assert synthetic.transliterate("Ходорів") == "Hodoriv"


# ---------------------------------------------------------------- per-nationality

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


def _check_ids(rec, dob_checks: bool):
    nat, value, g = rec["nat"], rec["id"]["value"], rec["gender"]
    dob = parse_iso(rec["dob"]["date"])
    if nat == "CA" and value:
        assert luhn_ok(value)
    if nat == "NO":
        assert no_fn_ok(value) and value[:6] == dob.strftime("%d%m%y")
        assert int(value[6:9]) % 2 == (1 if g == "male" else 0)
    if nat == "FI":
        assert int(value[7]) % 2 == (1 if g == "male" else 0)
    if nat == "DE" and value:
        pension, date, letter, serial = value.split()
        assert letter == rec["name"]["last"][0]
        assert (int(serial[:2]) < 50) == (g == "male")
    if nat == "FR" and "NaN" not in value:
        body, key = value.split()
        assert 97 - int(body) % 97 == int(key)
        assert body[0] == ("1" if g == "male" else "2")
    if dob_checks:
        loc = dob.astimezone(CENTRAL)
        js_year = str(loc.year - 1900)
        if nat == "DE":
            assert value.split()[1] == f"{loc.day:02d}{loc.month:02d}{js_year}"
        if nat == "DK":
            assert value.split("-")[0] == f"{loc.day:02d}{loc.month:02d}{js_year}"
        if nat == "FR":
            assert value[1:].startswith(f"{js_year}{loc.month - 1:02d}")


def test_id_semantics_generated(users):
    for u in users:
        _check_ids(u, dob_checks=True)


def test_id_semantics_on_real_records(real):
    for r in real:
        _check_ids(r, dob_checks=False)


def test_location_and_picture(users, real):
    real_tz = {(r["location"]["timezone"]["offset"], r["location"]["timezone"]["description"]) for r in real}
    ours = {(t["offset"], t["description"]) for t in synthetic._TIMEZONES}
    assert ours == real_tz and len(ours) == 30
    seen_tz = set()
    for u in users:
        loc = u["location"]
        assert 1 <= loc["street"]["number"] <= 9999
        assert loc["street"]["name"] and loc["city"] and loc["state"]
        lat, lon = loc["coordinates"]["latitude"], loc["coordinates"]["longitude"]
        assert re.fullmatch(r"-?\d{1,3}\.\d{4}", lat) and re.fullmatch(r"-?\d{1,3}\.\d{4}", lon)
        assert -90 <= float(lat) <= 90 and -180 <= float(lon) <= 180
        seen_tz.add((loc["timezone"]["offset"], loc["timezone"]["description"]))
        kind = "men" if u["gender"] == "male" else "women"
        m = re.fullmatch(rf"https://randomuser\.me/api/portraits/{kind}/(\d+)\.jpg", u["picture"]["large"])
        assert m and int(m.group(1)) <= (99 if kind == "men" else 96)
        n = m.group(1)
        assert u["picture"]["medium"] == f"https://randomuser.me/api/portraits/med/{kind}/{n}.jpg"
        assert u["picture"]["thumbnail"] == f"https://randomuser.me/api/portraits/thumb/{kind}/{n}.jpg"
    assert seen_tz == ours


# ---------------------------------------------------------------- dates and ages

def test_dates_and_ages(users):
    floor_dob = datetime(1944, 8, 27, tzinfo=timezone.utc)
    floor_reg = datetime(2002, 3, 21, tzinfo=timezone.utc)
    for u in users:
        for k in ("dob", "registered"):
            assert ISO_MS.fullmatch(u[k]["date"])
        dob, reg = parse_iso(u["dob"]["date"]), parse_iso(u["registered"]["date"])
        assert u["dob"]["age"] == ref_age(dob, NOW)
        assert u["registered"]["age"] == ref_age(reg, NOW)
        assert floor_dob <= dob <= NOW
        assert max(floor_reg, dob) <= reg <= NOW
        age = u["dob"]["age"]
        assert age <= 14 or age >= 21
        if age == 14:  # only the "turns 14 today" boundary case
            assert (dob.month, dob.day) == (NOW.month, NOW.day)


def test_completed_years_edge_cases():
    cy = synthetic.completed_years
    utc = timezone.utc
    b = datetime(2012, 3, 14, 10, 0, tzinfo=utc)
    assert cy(b, datetime(2026, 3, 14, 9, 59, 59, 999000, tzinfo=utc)) == 13
    assert cy(b, datetime(2026, 3, 14, 10, 0, tzinfo=utc)) == 14
    leap = datetime(2012, 2, 29, tzinfo=utc)
    assert cy(leap, datetime(2025, 2, 27, tzinfo=utc)) == 12
    assert cy(leap, datetime(2025, 2, 28, tzinfo=utc)) == 13
    assert cy(leap, datetime(2028, 2, 28, tzinfo=utc)) == 15
    assert cy(leap, datetime(2028, 2, 29, tzinfo=utc)) == 16
    assert cy(datetime(2026, 1, 1, tzinfo=utc), datetime(2026, 1, 1, tzinfo=utc)) == 0


def test_minor_share():
    n = 20000
    recs = generate_users(n, seed=7, now=NOW, minor_share=0.05)
    ages = [r["dob"]["age"] for r in recs]
    minors = sum(a <= 13 for a in ages)
    assert abs(minors / n - 0.05) < 0.01
    assert set(a for a in ages if a <= 13) == set(range(14))
    dobs = [(parse_iso(r["dob"]["date"]), r["dob"]["age"]) for r in recs]
    tomorrow = NOW + timedelta(days=1)
    thirteen_today = sum(a == 13 and (d.month, d.day, d.year) == (NOW.month, NOW.day, NOW.year - 13) for d, a in dobs)
    fourteen_tomorrow = sum(a == 13 and (d.month, d.day, d.year) == (tomorrow.month, tomorrow.day, tomorrow.year - 14)
                            for d, a in dobs)
    thirteen_tomorrow = sum(a == 12 and (d.month, d.day, d.year) == (tomorrow.month, tomorrow.day, tomorrow.year - 13)
                            for d, a in dobs)
    fourteen_today = sum(a == 14 and (d.month, d.day, d.year) == (NOW.month, NOW.day, NOW.year - 14) for d, a in dobs)
    assert min(thirteen_today, fourteen_tomorrow, thirteen_tomorrow) > 10
    assert fourteen_today > 0


def test_minor_share_extremes():
    adults = generate_users(3000, seed=1, now=NOW, minor_share=0.0)
    assert min(r["dob"]["age"] for r in adults) >= 21
    kids = generate_users(3000, seed=1, now=NOW, minor_share=1.0)
    assert max(r["dob"]["age"] for r in kids) <= 13
    with pytest.raises(ValueError):
        generate_users(1, minor_share=1.5)


def test_boundaries_hold_for_any_now():
    # leap day, new year's eve and midnight exactly
    for now in (datetime(2028, 2, 29, 0, 0, tzinfo=timezone.utc),
                datetime(2025, 12, 31, 23, 59, 59, 999000, tzinfo=timezone.utc),
                datetime(2026, 2, 28, 0, 0, tzinfo=timezone.utc)):
        for r in generate_users(1500, seed=3, now=now, minor_share=0.5):
            dob = parse_iso(r["dob"]["date"])
            assert r["dob"]["age"] == ref_age(dob, now)
            assert dob <= now and parse_iso(r["registered"]["date"]) <= now
            assert r["dob"]["age"] <= 14 or r["dob"]["age"] >= 21


def test_naive_now_is_utc_and_default_now():
    a = generate_users(20, seed=5, now=NOW)
    b = generate_users(20, seed=5, now=NOW.replace(tzinfo=None))
    assert a == b
    rec = generate_users(1, seed=5)[0]
    assert parse_iso(rec["registered"]["date"]) <= datetime.now(timezone.utc)


# ---------------------------------------------------------------- determinism, nats, API

def test_deterministic_per_seed():
    a = generate_users(500, seed=42, now=NOW)
    b = generate_users(500, seed=42, now=NOW)
    c = generate_users(500, seed=43, now=NOW)
    assert a == b
    assert a != c
    assert generate_user(random.Random(9), "FR", NOW) == generate_user(random.Random(9), "FR", NOW)


def test_deterministic_across_processes():
    """Pools are seeded per nationality, so build order and hash seed do not matter."""
    code = (
        "import json,hashlib,datetime as d;from userprofiles.synthetic import generate_users as g;"
        "now=d.datetime(2026,3,14,tzinfo=d.timezone.utc);"
        "{warm}"
        "print(hashlib.sha256(json.dumps(g(300,seed=11,now=now),ensure_ascii=False).encode()).hexdigest())"
    )
    outs = []
    for warm, hashseed in (("", "1"), ("g(50,seed=1,nats=['NO','UA','CH'],now=now);", "2")):
        env = dict(os.environ, PYTHONHASHSEED=hashseed, PYTHONPATH=str(PROJECT_ROOT))
        outs.append(subprocess.run([sys.executable, "-c", code.format(warm=warm)], env=env, cwd=PROJECT_ROOT,
                                   capture_output=True, text=True, check=True).stdout.strip())
    assert outs[0] == outs[1]
    local = generate_users(300, seed=11, now=datetime(2026, 3, 14, tzinfo=timezone.utc))
    assert hashlib.sha256(json.dumps(local, ensure_ascii=False).encode()).hexdigest() == outs[0]


def test_all_21_nationalities(users):
    assert len(NATIONALITIES) == 21 and len(set(NATIONALITIES)) == 21
    assert {u["nat"] for u in users} == set(NATIONALITIES)
    assert set(synthetic.COUNTRY_NAMES) == set(NATIONALITIES)


def test_nats_parameter():
    recs = generate_users(200, seed=1, nats=["fr", "NO"], now=NOW)
    assert {r["nat"] for r in recs} == {"FR", "NO"}
    assert generate_user(random.Random(1), "ir", NOW)["nat"] == "IR"
    assert generate_users(0, seed=1) == []
    with pytest.raises(ValueError):
        generate_users(5, nats=["XX"])
    with pytest.raises(ValueError):
        generate_user(random.Random(1), "LEGO")


def test_both_genders_and_names_vary(users_by_nat):
    for nat, recs in users_by_nat.items():
        assert {u["gender"] for u in recs} == {"male", "female"}, nat
        assert len({(u["name"]["first"], u["name"]["last"]) for u in recs}) > len(recs) * 0.8, nat
