"""National ids that a template cannot express: check digits, and digits taken from the date of birth.

They keep the live API's quirks that the real records show: DE/DK/FR dates in the server's US-Central time with
JavaScript's ``getYear()`` (years since 1900), 0-based FR months, and the FI HETU's broken ``NaNNA###undefined``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

from userprofiles.producer.synthetic.patterns import fill

IdFormatter = Callable[[random.Random, bool, str, datetime], str]

try:
    from zoneinfo import ZoneInfo

    _API_TZ = ZoneInfo("America/Chicago")
except Exception:  # pragma: no cover - no tz database available
    _API_TZ = timezone(timedelta(hours=-6))

_FN_WEIGHTS = ((3, 7, 6, 1, 8, 9, 4, 5, 2), (5, 4, 3, 2, 7, 6, 5, 4, 3, 2))


def _api_date(dob: datetime) -> tuple[int, int, int]:
    """(day, month, years since 1900) of the birth as the API's server prints them."""
    local = dob.replace(tzinfo=UTC).astimezone(_API_TZ)
    return local.day, local.month, local.year - 1900


def _luhn_digit(body: str) -> str:
    """The check digit that makes ``body`` + digit pass the Luhn test."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        v = int(ch) * (1 if i % 2 else 2)
        total += v - 9 if v > 9 else v
    return str(-total % 10)


def _mod11(weights: tuple[int, ...], digits: str) -> int:
    """Norwegian check digit (10 means no valid digit exists)."""
    return -sum(w * int(c) for w, c in zip(weights, digits, strict=True)) % 11


def sin(rng: random.Random, male: bool, last: str, dob: datetime) -> str:
    """Canadian SIN: 8 random digits and a Luhn check digit."""
    body = fill(rng, "########")
    return body + _luhn_digit(body)


def svnr(rng: random.Random, male: bool, last: str, dob: datetime) -> str:
    """German pension number: area, birth date, initial of the last name, serial below 50 for men."""
    day, month, year = _api_date(dob)
    serial = rng.randrange(50) + (0 if male else 50)
    return f"{fill(rng, '##')} {day:02d}{month:02d}{year} {last[0]} {serial:02d}{rng.randrange(10)}"


def cpr(rng: random.Random, male: bool, last: str, dob: datetime) -> str:
    """Danish CPR: birth date and 4 random digits."""
    day, month, year = _api_date(dob)
    return f"{day:02d}{month:02d}{year}-{fill(rng, '####')}"


def hetu(rng: random.Random, male: bool, last: str, dob: datetime) -> str:
    """Finnish HETU as the API prints it: its date part is broken, its individual number is odd for men."""
    return f"NaNNA{fill(rng, '##')}{2 * rng.randrange(5) + (1 if male else 0)}undefined"


def insee(rng: random.Random, male: bool, last: str, dob: datetime) -> str:
    """French INSEE: sex, birth year and 0-based month, 8 digits, and the mod-97 key."""
    _, month, year = _api_date(dob)
    body = f"{1 if male else 2}{year}{month - 1:02d}{fill(rng, '########')}"
    return f"{body} {97 - int(body) % 97:02d}"


def fodselsnummer(rng: random.Random, male: bool, last: str, dob: datetime) -> str:
    """Norwegian birth number: UTC birth date, individual number (odd for men, 500+ from 2000 on), 2 check digits."""
    birth = f"{dob.day:02d}{dob.month:02d}{dob.year % 100:02d}"
    while True:
        individual = 2 * rng.randrange(250) + (1 if male else 0) + (500 if dob.year >= 2000 else 0)
        digits = f"{birth}{individual:03d}"
        k1 = _mod11(_FN_WEIGHTS[0], digits)
        if k1 == 10:
            continue
        k2 = _mod11(_FN_WEIGHTS[1], f"{digits}{k1}")
        if k2 < 10:
            return f"{digits}{k1}{k2}"


def ssn(rng: random.Random, male: bool, last: str, dob: datetime) -> str:
    """US SSN without the never-issued parts: area 000, 666 or 9xx, group 00, serial 0000."""
    area = rng.randrange(1, 899)
    if area >= 666:
        area += 1
    return f"{area:03d}-{rng.randrange(1, 100):02d}-{rng.randrange(1, 10000):04d}"
