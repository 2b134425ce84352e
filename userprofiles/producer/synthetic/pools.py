"""Per-nationality pools of names and places, drawn from Faker once and then sampled by every record.

Each pool is drawn with a fixed seed of its own, so records depend only on the caller's seed, not on which
nationalities were built first; the lock makes concurrent first uses build a pool once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from userprofiles.producer.synthetic.names import transliterate, with_email_parts
from userprofiles.producer.synthetic.nationalities import NATIONALITIES, RULES

_DRAWS = 250


@dataclass(frozen=True)
class Pool:
    male: tuple[tuple[str, str], ...]  # (shown first name, e-mail part)
    female: tuple[tuple[str, str], ...]
    last: tuple[tuple[str, str], ...]
    street: tuple[str, ...]
    city: tuple[str, ...]
    state: tuple[str, ...]


_POOLS: dict[str, Pool] = {}
_LOCK = threading.Lock()


def _draw(fn: Callable[[], str], n: int = _DRAWS) -> tuple[str, ...]:
    """Distinct non-empty values of ``n`` calls, in first-seen order, with their whitespace tidied."""
    return tuple(dict.fromkeys(v for v in (" ".join(fn().split()) for _ in range(n)) if v))


def _build(code: str) -> Pool:
    from faker import Faker  # imported on first use: importing it is slow

    rule = RULES[code]
    seed = (0x5EED0000 + NATIONALITIES.index(code)) * 7
    show = transliterate if rule.latin else str
    first_male: list[str] = []
    first_female: list[str] = []
    last: list[str] = []
    per_locale = _DRAWS // len(rule.locales)
    for i, locale in enumerate(rule.locales):
        fake = Faker(locale)
        fake.seed_instance(seed + i)
        first_male += _draw(fake.first_name_male, per_locale)
        first_female += _draw(fake.first_name_female, per_locale)
        last += _draw(fake.last_name, per_locale)

    fake = Faker(rule.locales[0])
    fake.seed_instance(seed + 5)

    def places(source: str | tuple[str, ...]) -> tuple[str, ...]:
        return source if isinstance(source, tuple) else _draw(lambda: show(getattr(fake, source)()))

    return Pool(
        male=with_email_parts(first_male, show),
        female=with_email_parts(first_female, show),
        last=with_email_parts(last, show),
        street=tuple(dict.fromkeys(s[:1].upper() + s[1:] for s in places(rule.street))),
        city=places(rule.city),
        state=places(rule.state),
    )


def pool(code: str) -> Pool:
    """The nationality's pool, built on first use."""
    p = _POOLS.get(code)
    if p is None:
        with _LOCK:
            p = _POOLS.get(code)
            if p is None:
                p = _POOLS[code] = _build(code)
    return p
