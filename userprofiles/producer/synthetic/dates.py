"""Dates of birth and registration, and ages counted like the API's ``dayjs().diff(date, 'years')``.

Times are naive UTC datetimes with millisecond resolution, as the API prints them.  Unlike the API, a share of
users are minors, many of them on a birthday boundary, so that age filters meet their off-by-one cases.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

DOB_MIN_MS = -800_000_000_000  # 1944-08-27T01:46:40Z, as in the API
REG_MIN_MS = 1_016_688_461_000  # 2002-03-21, as in the API
_DAY_MS = 86_400_000
_EPOCH = datetime(1970, 1, 1)
# (age, days from now) of the birthdays minors sit on: 13th today, 13th tomorrow, 14th tomorrow
_MINOR_BIRTHDAYS = ((13, 0), (13, 1), (14, 1))


def to_ms(dt: datetime) -> int:
    d = dt - _EPOCH
    return (d.days * 86_400 + d.seconds) * 1000 + d.microseconds // 1000


def iso(dt: datetime) -> str:
    return dt.isoformat(timespec="milliseconds") + "Z"


def naive_utc(now: datetime | None) -> datetime:
    """``now`` (default: the current time; naive values are taken as UTC) as naive UTC, to the millisecond."""
    if now is None:
        now = datetime.now(UTC)
    if now.tzinfo is not None:
        now = now.astimezone(UTC).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _add_years(dt: datetime, years: int) -> datetime:
    """dt shifted by whole years; Feb 29 becomes Feb 28 in common years (dayjs)."""
    try:
        return dt.replace(year=dt.year + years)
    except ValueError:
        return dt.replace(year=dt.year + years, day=28)


def completed_years(born: datetime, now: datetime) -> int:
    """Completed years between two (naive UTC or aware) datetimes."""
    if born.tzinfo is not None:
        born = born.astimezone(UTC).replace(tzinfo=None)
    if now.tzinfo is not None:
        now = now.astimezone(UTC).replace(tzinfo=None)
    years = now.year - born.year
    if years > 0 and _add_years(born, years) > now:
        years -= 1
    elif years < 0 and _add_years(born, years) < now:
        years += 1
    return years


def uniform(rng: random.Random, lo_ms: int, hi_ms: int) -> datetime:
    """A uniform datetime between two epoch milliseconds (``lo_ms`` if the range is empty)."""
    return _EPOCH + timedelta(milliseconds=lo_ms + rng.randrange(max(hi_ms - lo_ms, 0) + 1))


def _on_birthday(rng: random.Random, now: datetime, age: int, day_offset: int) -> datetime | None:
    """A birth whose ``age``-th birthday is ``day_offset`` days from now (0 = today, then born no later in the
    day than now); None on a Feb 29 that the birth year lacks."""
    day = (now + timedelta(days=day_offset)).replace(hour=0, minute=0, second=0, microsecond=0)
    try:
        born_day = day.replace(year=day.year - age)
    except ValueError:
        return None
    day_ms = to_ms(now) - to_ms(day) + 1 if day_offset == 0 else _DAY_MS
    return born_day + timedelta(milliseconds=rng.randrange(day_ms))


def draw_dob(rng: random.Random, now: datetime, minor_share: float) -> datetime:
    """A date of birth: a minor (0..13) with probability ``minor_share``, a user turning 14 today with
    probability ``minor_share / 10``, else an adult born between the API's floor and ``now`` minus 21 years."""
    u = rng.random()
    if u < minor_share:
        kind = rng.randrange(10)
        if kind < len(_MINOR_BIRTHDAYS):
            born = _on_birthday(rng, now, *_MINOR_BIRTHDAYS[kind])
            if born is not None and 0 <= completed_years(born, now) <= 13:
                return born
        lo, hi = to_ms(_add_years(now, -14)) + 1, to_ms(now)
        while True:
            born = uniform(rng, lo, hi)
            if 0 <= completed_years(born, now) <= 13:
                return born
    if u < minor_share * 1.1:
        born = _on_birthday(rng, now, 14, 0)
        if born is not None:
            return born
    return uniform(rng, DOB_MIN_MS, to_ms(_add_years(now, -21)))
