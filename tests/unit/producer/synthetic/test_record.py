"""Whole records: structure and types as in the real records, locations, pictures, determinism, parameters."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

from userprofiles.producer import synthetic
from userprofiles.producer.synthetic import NATIONALITIES, generate_user, generate_users, places

from .common import NOW

PROJECT_ROOT = Path(__file__).resolve().parents[4]


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


def test_location_and_picture(users, real):
    real_tz = {(r["location"]["timezone"]["offset"], r["location"]["timezone"]["description"]) for r in real}
    ours = set(places.TIMEZONES)
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
        "import json,hashlib,datetime as d;from userprofiles.producer.synthetic import generate_users as g;"
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
    local = generate_users(300, seed=11, now=datetime(2026, 3, 14, tzinfo=UTC))
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
