"""Whole user records: one nationality's table row and pool, sampled into the API's keys and key order."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime

from userprofiles.producer.synthetic.dates import REG_MIN_MS, completed_years, draw_dob, iso, naive_utc, to_ms, uniform
from userprofiles.producer.synthetic.login import login
from userprofiles.producer.synthetic.nationalities import NATIONALITIES, RULES
from userprofiles.producer.synthetic.patterns import fill
from userprofiles.producer.synthetic.places import TIMEZONES
from userprofiles.producer.synthetic.pools import pool

_PICTURES = "https://randomuser.me/api/portraits/"


def _code(nat: str) -> str:
    code = nat.strip().upper()
    if code not in RULES:
        raise ValueError(f"unknown nationality {nat!r}; expected one of {', '.join(NATIONALITIES)}")
    return code


def _coordinate(rng: random.Random, limit: int) -> str:
    """A degree value within ±limit, with the API's 4 decimals."""
    return f"{rng.randrange(-limit * 10000, limit * 10000 + 1) / 10000:.4f}"


def _user(rng: random.Random, code: str, now: datetime, minor_share: float) -> dict:
    rule, names = RULES[code], pool(code)
    male = rng.random() < 0.5
    first, first_email = rng.choice(names.male if male else names.female)
    last, last_email = rng.choice(names.last)
    dob = draw_dob(rng, now, minor_share)
    registered = uniform(rng, max(REG_MIN_MS, to_ms(dob)), to_ms(now))
    offset, description = rng.choice(TIMEZONES)
    kind = "men/" if male else "women/"
    picture = rng.randrange(100 if male else 97)
    return {
        "gender": "male" if male else "female",
        "name": {"title": rng.choice(rule.male_titles if male else rule.female_titles), "first": first, "last": last},
        "location": {
            "street": {"number": rng.randrange(1, 10000), "name": rng.choice(names.street)},
            "city": rng.choice(names.city),
            "state": rng.choice(names.state),
            "country": rule.country,
            "postcode": rule.make_postcode(rng),
            "coordinates": {"latitude": _coordinate(rng, 90), "longitude": _coordinate(rng, 180)},
            "timezone": {"offset": offset, "description": description},
        },
        "email": f"{first_email}.{last_email}@example.com",
        "login": login(rng),
        "dob": {"date": iso(dob), "age": completed_years(dob, now)},
        "registered": {"date": iso(registered), "age": completed_years(registered, now)},
        "phone": fill(rng, rule.phone),
        "cell": fill(rng, rule.cell),
        "id": {"name": rule.id_name, "value": rule.make_id(rng, male, last, dob)},
        "picture": {
            "large": f"{_PICTURES}{kind}{picture}.jpg",
            "medium": f"{_PICTURES}med/{kind}{picture}.jpg",
            "thumbnail": f"{_PICTURES}thumb/{kind}{picture}.jpg",
        },
        "nat": code,
    }


def generate_user(rng: random.Random, nat: str | None = None, now: datetime | None = None,
                  minor_share: float = 0.05) -> dict:
    """One user record.  ``nat`` is one of NATIONALITIES (any case), or None for a random one; ``now``
    (default: the current time; naive values are UTC) fixes the ages and the latest dates."""
    code = rng.choice(NATIONALITIES) if nat is None else _code(nat)
    return _user(rng, code, naive_utc(now), minor_share)


# The e-mail domains a changed copy moves to: reserved example domains (RFC 2606), counted apart in the analytics.
CHANGED_DOMAINS = ("example.org", "example.net", "mail.example.com")


def changed_user(rng: random.Random, user: dict, now: datetime | None = None, dob_share: float = 0.25,
                 minor_share: float = 0.5) -> dict:
    """A changed copy of USER, as a profile update brings it: the same person (login.uuid, name, nationality)
    with another e-mail domain, street, city and phone; with probability DOB_SHARE a corrected birth date too,
    a minor's with probability MINOR_SHARE among those (so the profile leaves the table)."""
    code = user["nat"]
    rule, names = RULES[code], pool(code)
    at = naive_utc(now)
    out = {**user, "location": {**user["location"], "street": {"number": rng.randrange(1, 10000),
                                                                "name": rng.choice(names.street)},
                                "city": rng.choice(names.city)},
           "email": user["email"].split("@")[0] + "@" + rng.choice(CHANGED_DOMAINS), "phone": fill(rng, rule.phone)}
    if rng.random() < dob_share:
        dob = draw_dob(rng, at, minor_share)
        out["dob"] = {"date": iso(dob), "age": completed_years(dob, at)}
    return out


def generate_users(n: int, seed: int | None = None, nats: Sequence[str] | None = None,
                   now: datetime | None = None, minor_share: float = 0.05) -> list[dict]:
    """``n`` user records, each of a nationality drawn uniformly from ``nats`` (default: all); the same
    ``seed`` and ``now`` give the same records."""
    if n < 0:
        raise ValueError("n must be >= 0")
    if not 0.0 <= minor_share <= 1.0:
        raise ValueError("minor_share must be within [0, 1]")
    codes = tuple(_code(x) for x in nats) if nats else NATIONALITIES
    rng = random.Random(seed)
    at = naive_utc(now)
    return [_user(rng, rng.choice(codes), at, minor_share) for _ in range(n)]
