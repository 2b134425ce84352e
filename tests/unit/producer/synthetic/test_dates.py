"""Dates of birth and registration, ages, and the minor share with its birthday boundaries."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta

import pytest

from userprofiles.producer import synthetic
from userprofiles.producer.synthetic import generate_users

from .common import NOW, parse_iso

ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


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


def test_dates_and_ages(users):
    floor_dob = datetime(1944, 8, 27, tzinfo=UTC)
    floor_reg = datetime(2002, 3, 21, tzinfo=UTC)
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
    utc = UTC
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
    for now in (datetime(2028, 2, 29, 0, 0, tzinfo=UTC),
                datetime(2025, 12, 31, 23, 59, 59, 999000, tzinfo=UTC),
                datetime(2026, 2, 28, 0, 0, tzinfo=UTC)):
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
    assert parse_iso(rec["registered"]["date"]) <= datetime.now(UTC)
