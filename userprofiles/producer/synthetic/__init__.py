"""Offline generator of user records in the randomuser.me API v1.4 JSON format.

The producer's ``--source synthetic`` when https://randomuser.me is unreachable.  Every record is a plain,
JSON-serialisable dict with the API's keys, key order and value types (see FORMAT.md in ../shared/randomuser
beside the checkout):

    gender, name{title,first,last},
    location{street{number,name},city,state,country,postcode,
             coordinates{latitude,longitude},timezone{offset,description}},
    email, login{uuid,username,password,salt,md5,sha1,sha256},
    dob{date,age}, registered{date,age}, phone, cell, id{name,value},
    picture{large,medium,thumbnail}, nat

The per-nationality rules (nationalities.py) follow the live API, documented bugs included, since the tests
hold them to real records.  Deliberate deviations, which the product needs:

* Ages: a share of users are minors, many on a birthday boundary, and a few turn 14 today (dates.py).
* Registration dates run up to ``now`` (the API's stop at a frozen date) and never precede the birth.
* Names and places come from Faker locales, drawn once per nationality, or from short built-in lists of real
  place names where Faker has none (places.py); passwords from a list of weak ones (login.py).

Determinism: ``generate_users(n, seed=s, now=t)`` always returns the same records: the Faker pools have fixed
per-nationality seeds, and all per-record randomness, uuid included, comes from the caller's random.Random.

Modules: record (whole records), nationalities (the rules table), patterns (its templates), ids (computed
national ids), names (transliteration, e-mail parts), pools (Faker draws), places, login, dates.
"""

from userprofiles.producer.synthetic.dates import completed_years
from userprofiles.producer.synthetic.names import email_part, transliterate
from userprofiles.producer.synthetic.nationalities import COUNTRY_NAMES, NATIONALITIES
from userprofiles.producer.synthetic.record import changed_user, generate_user, generate_users

__all__ = ["NATIONALITIES", "COUNTRY_NAMES", "generate_user", "generate_users", "changed_user", "completed_years",
           "email_part", "transliterate"]
