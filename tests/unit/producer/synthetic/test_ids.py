"""Computed national ids: check digits, gender digits and birth dates, on generated and real records."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from .common import parse_iso

CENTRAL = ZoneInfo("America/Chicago")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(digits):
        v = int(ch) * (2 if i % 2 else 1)
        total += v - 9 if v > 9 else v
    return total % 10 == 0


def no_fn_ok(fn: str) -> bool:
    d = [int(c) for c in fn]

    def check(weights, digits):
        s = sum(w * x for w, x in zip(weights, digits, strict=False)) % 11
        return 0 if s == 0 else 11 - s

    return (check((3, 7, 6, 1, 8, 9, 4, 5, 2), d) == d[9]
            and check((5, 4, 3, 2, 7, 6, 5, 4, 3, 2), d) == d[10])


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
