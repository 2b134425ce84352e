"""Offline generator of user records in the randomuser.me API v1.4 JSON format.

Used by the Kafka producer when https://randomuser.me is unreachable.  Every
record is a plain, JSON-serialisable ``dict`` with exactly the API's key order
and value types (see ``/work/shared/randomuser/FORMAT.md``):

    gender, name{title,first,last},
    location{street{number,name},city,state,country,postcode,
             coordinates{latitude,longitude},timezone{offset,description}},
    email, login{uuid,username,password,salt,md5,sha1,sha256},
    dob{date,age}, registered{date,age}, phone, cell, id{name,value},
    picture{large,medium,thumbnail}, nat

Per-nationality rules (id name/value, postcode type, phone/cell shapes,
titles) follow the *live* v1.4 API, including its documented bugs (letters in
CA/UA phone numbers, FI ``NaNNA###undefined`` HETU, 0-based month in FR INSEE,
``getYear()`` 3-digit years in DE/DK/FR ids for births from 2000 on, DE/DK/FR id
dates taken in the server's US-Central local time).

Deliberate deviations from the real API (our product needs them):

* Ages.  With probability ``minor_share`` the date of birth is drawn so that the
  user is 0..13 years old at ``now`` (a good share of those sit exactly on a
  birthday boundary: 13th birthday today, 13th/14th birthday tomorrow).  With a
  further probability ``minor_share / 10`` the user turns 14 exactly today
  (the first non-minor day), so that "13 or younger" filters get their
  off-by-one case.  Everybody else is born uniformly between 1944-08-27 and
  ``now`` minus 21 years, like the API (whose upper bound is frozen at
  2022-05-23 minus 21*365 days).
* ``registered.date`` is uniform between 2002-03-21 and ``now`` (API: its
  frozen ``constantTime``), and never before the date of birth.
* Names, streets, cities and states come from Faker locales (drawn once into
  per-nationality pools), not from the API's own lists; the few places where
  Faker has no suitable data (Serbian/Turkish/Norwegian/New Zealand regions,
  Serbian and Turkish cities) use short built-in lists of real place names.
  RS uses Faker's Croatian locale for Latin-script South-Slavic names.
* Passwords come from a short built-in list of common weak passwords.

Determinism: ``generate_users(n, seed=s, now=t)`` always returns the same
records (the Faker pools are drawn with fixed per-nationality seeds; all
per-record randomness, uuid included, comes from the caller's ``random.Random``).
"""

from __future__ import annotations

import hashlib
import random
import re
import threading
import unicodedata
import uuid
from datetime import datetime, timedelta, timezone
from typing import Sequence

__all__ = ["NATIONALITIES", "COUNTRY_NAMES", "generate_user", "generate_users", "completed_years"]

NATIONALITIES: tuple[str, ...] = (
    "AU", "BR", "CA", "CH", "DE", "DK", "ES", "FI", "FR", "GB", "IE",
    "IN", "IR", "MX", "NL", "NO", "NZ", "RS", "TR", "UA", "US",
)

COUNTRY_NAMES: dict[str, str] = {
    "AU": "Australia", "BR": "Brazil", "CA": "Canada", "CH": "Switzerland",
    "DE": "Germany", "DK": "Denmark", "ES": "Spain", "FI": "Finland",
    "FR": "France", "GB": "United Kingdom", "IE": "Ireland", "IN": "India",
    "IR": "Iran", "MX": "Mexico", "NL": "Netherlands", "NO": "Norway",
    "NZ": "New Zealand", "RS": "Serbia", "TR": "Turkey", "UA": "Ukraine",
    "US": "United States",
}

# The API's 30 timezone pairs (its list loader drops the last line, +12:00).
_TIMEZONES: tuple[dict[str, str], ...] = tuple(
    {"offset": o, "description": d}
    for o, d in (
        ("-12:00", "Eniwetok, Kwajalein"),
        ("-11:00", "Midway Island, Samoa"),
        ("-10:00", "Hawaii"),
        ("-9:00", "Alaska"),
        ("-8:00", "Pacific Time (US & Canada)"),
        ("-7:00", "Mountain Time (US & Canada)"),
        ("-6:00", "Central Time (US & Canada), Mexico City"),
        ("-5:00", "Eastern Time (US & Canada), Bogota, Lima"),
        ("-4:00", "Atlantic Time (Canada), Caracas, La Paz"),
        ("-3:30", "Newfoundland"),
        ("-3:00", "Brazil, Buenos Aires, Georgetown"),
        ("-2:00", "Mid-Atlantic"),
        ("-1:00", "Azores, Cape Verde Islands"),
        ("0:00", "Western Europe Time, London, Lisbon, Casablanca"),
        ("+1:00", "Brussels, Copenhagen, Madrid, Paris"),
        ("+2:00", "Kaliningrad, South Africa"),
        ("+3:00", "Baghdad, Riyadh, Moscow, St. Petersburg"),
        ("+3:30", "Tehran"),
        ("+4:00", "Abu Dhabi, Muscat, Baku, Tbilisi"),
        ("+4:30", "Kabul"),
        ("+5:00", "Ekaterinburg, Islamabad, Karachi, Tashkent"),
        ("+5:30", "Bombay, Calcutta, Madras, New Delhi"),
        ("+5:45", "Kathmandu"),
        ("+6:00", "Almaty, Dhaka, Colombo"),
        ("+7:00", "Bangkok, Hanoi, Jakarta"),
        ("+8:00", "Beijing, Perth, Singapore, Hong Kong"),
        ("+9:00", "Tokyo, Seoul, Osaka, Sapporo, Yakutsk"),
        ("+9:30", "Adelaide, Darwin"),
        ("+10:00", "Eastern Australia, Guam, Vladivostok"),
        ("+11:00", "Magadan, Solomon Islands, New Caledonia"),
    )
)

# username = adjective + animal + 100..999 (the API's two word lists).
_ADJECTIVES = (
    "angry", "beautiful", "big", "black", "blue", "brown", "crazy", "golden",
    "green", "happy", "heavy", "lazy", "orange", "organic", "purple", "red",
    "sad", "silver", "small", "ticklish", "tiny", "white", "yellow",
)
_ANIMALS = (
    "bear", "bird", "butterfly", "cat", "dog", "duck", "elephant", "fish",
    "frog", "goose", "gorilla", "koala", "ladybug", "leopard", "lion",
    "meercat", "mouse", "ostrich", "panda", "peacock", "rabbit", "snake",
    "swan", "tiger", "wolf", "zebra",
)

# Our own short list of notoriously weak passwords.
_PASSWORDS = (
    "123456", "password", "qwerty", "letmein", "dragon", "monkey", "sunshine",
    "football", "baseball", "shadow", "master", "superman", "batman",
    "trustno1", "iloveyou", "princess", "welcome", "abc123", "hello",
    "freedom", "whatever", "hunter", "ranger", "buster", "soccer", "hockey",
    "killer", "charlie", "starwars", "computer", "cookie", "summer", "winter",
    "pepper", "ginger", "tigger", "maggie", "cheese", "banana", "orange",
    "purple", "snoopy", "coffee", "chelsea", "yankees", "access", "mustang",
    "121212", "000000", "654321", "flower", "secret", "qwerty123", "111111",
    "passw0rd", "zxcvbnm", "asdfgh", "1q2w3e", "lovely", "michael",
)

_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_GB_POST_TAIL = "ABDEFGHJLNPQRSTUWXYZ"
_NINO_1 = "ABCEGHJKLMNOPRSTWXYZ"
_NINO_2 = "ABCEGHJKLMNPRSTWXYZ"
_DE_PENSION = (
    "02", "03", "04", "08", "09", "10", "11", "12", "13", "14", "15", "16",
    "17", "18", "19", "20", "21", "23", "24", "25", "26", "28", "29", "38",
    "39", "40", "42", "43", "44", "45", "46", "47", "48", "49", "50", "51",
    "52", "53", "54", "55", "56", "57", "58", "59", "60", "61", "62", "63",
    "64", "65", "66", "67", "68", "69", "70", "71", "72", "73", "74", "75",
    "76", "77", "78", "79", "80", "81", "82", "89",
)
_UA_MOBILE = ("66", "67", "68", "96", "97", "98", "99")

# Built-in place names where Faker has no data for the country.
_RS_CITIES = (
    "Beograd", "Novi Sad", "Niš", "Kragujevac", "Subotica", "Zrenjanin",
    "Pančevo", "Čačak", "Kraljevo", "Novi Pazar", "Smederevo", "Leskovac",
    "Užice", "Vranje", "Valjevo", "Šabac", "Sombor", "Požarevac", "Pirot",
    "Zaječar", "Kikinda", "Sremska Mitrovica", "Jagodina", "Vršac", "Bor",
    "Prokuplje", "Loznica", "Inđija", "Ćuprija", "Aleksinac", "Paraćin",
    "Kruševac", "Bačka Palanka", "Bečej", "Kladovo", "Ivanjica", "Aranđelovac",
)
_RS_STATES = (
    "Severna Bačka", "Srednji Banat", "Severni Banat", "Južni Banat",
    "Zapadna Bačka", "Južna Bačka", "Srem", "Mačva", "Kolubara", "Podunavlje",
    "Braničevo", "Šumadija", "Pomoravlje", "Bor", "Zaječar", "Zlatibor",
    "Moravica", "Raška", "Rasina", "Nišava", "Toplica", "Pirot", "Jablanica",
    "Pčinja", "Beograd",
)
_TR_PROVINCES = (
    "Adana", "Adıyaman", "Afyonkarahisar", "Ağrı", "Aksaray", "Amasya",
    "Ankara", "Antalya", "Ardahan", "Artvin", "Aydın", "Balıkesir", "Bartın",
    "Batman", "Bayburt", "Bilecik", "Bingöl", "Bitlis", "Bolu", "Burdur",
    "Bursa", "Çanakkale", "Çankırı", "Çorum", "Denizli", "Diyarbakır",
    "Düzce", "Edirne", "Elazığ", "Erzincan", "Erzurum", "Eskişehir",
    "Gaziantep", "Giresun", "Gümüşhane", "Hakkari", "Hatay", "Iğdır",
    "Isparta", "İstanbul", "İzmir", "Kahramanmaraş", "Karabük", "Karaman",
    "Kars", "Kastamonu", "Kayseri", "Kırıkkale", "Kırklareli", "Kırşehir",
    "Kilis", "Kocaeli", "Konya", "Kütahya", "Malatya", "Manisa", "Mardin",
    "Mersin", "Muğla", "Muş", "Nevşehir", "Niğde", "Ordu", "Osmaniye", "Rize",
    "Sakarya", "Samsun", "Siirt", "Sinop", "Sivas", "Şanlıurfa", "Şırnak",
    "Tekirdağ", "Tokat", "Trabzon", "Tunceli", "Uşak", "Van", "Yalova",
    "Yozgat", "Zonguldak",
)
_TR_STREET_SUFFIXES = (" Sk", " Cd")
_NO_COUNTIES = (
    "Oslo", "Rogaland", "Møre og Romsdal", "Nordland", "Viken", "Innlandet",
    "Vestfold og Telemark", "Agder", "Vestland", "Trøndelag",
    "Troms og Finnmark", "Østfold", "Akershus", "Buskerud", "Hedmark",
    "Oppland", "Vestfold", "Telemark", "Aust-Agder", "Vest-Agder",
    "Hordaland", "Sogn og Fjordane", "Troms - Romsa", "Finnmark - Finnmárku",
)
_NZ_REGIONS = (
    "Northland", "Auckland", "Waikato", "Bay of Plenty", "Gisborne",
    "Hawke's Bay", "Taranaki", "Manawatu-Wanganui", "Wellington", "Tasman",
    "Nelson", "Marlborough", "West Coast", "Canterbury", "Otago", "Southland",
)

# --------------------------------------------------------------------------
# Transliteration (names -> ASCII e-mail local part; UA Cyrillic -> Latin)
# --------------------------------------------------------------------------

_UK_LOWER = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e",
    "є": "ye", "ж": "zh", "з": "z", "и": "i", "і": "i", "ї": "yi", "й": "y",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch",
    "ш": "sh", "щ": "shch", "ь": "", "ю": "yu", "я": "ya", "ы": "y", "э": "e",
    "ё": "yo", "ъ": "",
}
_TRANSLIT: dict[str, str] = {}
for _c, _l in _UK_LOWER.items():
    _TRANSLIT[_c] = _l
    _TRANSLIT[_c.upper()] = _l.capitalize()
# Persian / Arabic script, romanised without vowels like the API's e-mails
# (e.g. "hsty.glshn", "aaly.rdyy").
_TRANSLIT.update({
    "ا": "", "آ": "a", "أ": "a", "إ": "a", "ء": "", "ب": "b", "پ": "p",
    "ت": "t", "ث": "th", "ج": "j", "چ": "ch", "ح": "h", "خ": "kh", "د": "d",
    "ذ": "dh", "ر": "r", "ز": "z", "ژ": "j", "س": "s", "ش": "sh", "ص": "s",
    "ض": "d", "ط": "t", "ظ": "z", "ع": "aa", "غ": "gh", "ف": "f", "ق": "q",
    "ک": "kh", "ك": "k", "گ": "g", "ل": "l", "م": "m", "ن": "n", "و": "w",
    "ؤ": "w", "ه": "h", "ۀ": "h", "ة": "h", "ی": "y", "ي": "y", "ى": "y",
    "ئ": "y", "\u200c": "", "\u200d": "",
})
# Latin letters that do not decompose under NFKD.
_TRANSLIT.update({
    "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ß": "ss", "đ": "d", "Đ": "D",
    "ı": "i", "ł": "l", "Ł": "L", "œ": "oe", "Œ": "OE", "þ": "th", "Þ": "Th",
    "ð": "d", "Ð": "D", "ħ": "h", "ŋ": "ng",
    "'": "", "’": "", "ʼ": "", "`": "",
})


def transliterate(text: str) -> str:
    """Best-effort ASCII transliteration (keeps ASCII characters as they are)."""
    if text.isascii():
        return text
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
            continue
        rep = _TRANSLIT.get(ch)
        if rep is not None:
            out.append(rep)
            continue
        for d in unicodedata.normalize("NFKD", ch):
            if d.isascii():
                out.append(d)
    return "".join(out)


def _email_part(name: str) -> str:
    return transliterate(name).replace(" ", "").lower()


_EMAIL_PART_OK = re.compile(r"^[a-z][a-z.\-]*$")

# --------------------------------------------------------------------------
# Faker pools (built lazily, once per nationality, with a fixed seed)
# --------------------------------------------------------------------------

_POOL_SIZE = 250
_FAKERS: dict[str, object] = {}
_POOLS: dict[str, "_Pool"] = {}
_LOCK = threading.RLock()


def _faker(locale: str):
    f = _FAKERS.get(locale)
    if f is None:
        from faker import Faker  # imported lazily: importing/creating is slow

        f = Faker(locale)
        _FAKERS[locale] = f
    return f


class _Pool:
    __slots__ = ("male", "female", "last", "street", "city", "state", "postcode")

    def __init__(self, male, female, last, street, city, state, postcode=()):
        self.male = male          # tuple[(display, email_part)]
        self.female = female
        self.last = last
        self.street = street      # tuple[str]
        self.city = city
        self.state = state
        self.postcode = postcode  # NO only: tuple[str]


def _draw(fn, n: int = _POOL_SIZE, keep=None) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for _ in range(n):
        v = fn()
        if isinstance(v, str):
            v = " ".join(v.split())
        if v and (keep is None or keep(v)):
            seen[v] = None
    return tuple(seen)


_BAD_NAME = re.compile(r"\b(?:I{1,3}|IV|auch|von und zu)\b|[\d'’ʼ(),]")


def _name_pool(values: Sequence[str], to_display=None) -> tuple[tuple[str, str], ...]:
    out: dict[str, str] = {}
    for v in values:
        if to_display is not None:
            v = to_display(v)
        if not v or _BAD_NAME.search(v):
            continue
        e = _email_part(v)
        if _EMAIL_PART_OK.match(e):
            out[v] = e
    return tuple(out.items())


def _cap_first(s: str) -> str:
    return s[:1].upper() + s[1:]


_UA_CITY_PREFIX = re.compile(r"^(?:село|селище|місто|смт|хутір)\s+")
_UA_REGION_SUFFIX = re.compile(r"\s+область$")

# nat -> (name locales, address locale)
_LOCALES: dict[str, tuple[tuple[str, ...], str]] = {
    "AU": (("en_AU",), "en_AU"), "BR": (("pt_BR",), "pt_BR"),
    "CA": (("en_CA",), "en_CA"), "CH": (("fr_CH", "de_CH"), "de_CH"),
    "DE": (("de_DE",), "de_DE"), "DK": (("da_DK",), "da_DK"),
    "ES": (("es_ES",), "es_ES"), "FI": (("fi_FI",), "fi_FI"),
    "FR": (("fr_FR",), "fr_FR"), "GB": (("en_GB",), "en_GB"),
    "IE": (("en_IE",), "en_IE"), "IN": (("en_IN",), "en_IN"),
    "IR": (("fa_IR",), "fa_IR"), "MX": (("es_MX",), "es_MX"),
    "NL": (("nl_NL",), "nl_NL"), "NO": (("no_NO",), "no_NO"),
    "NZ": (("en_NZ",), "en_NZ"), "RS": (("hr_HR",), "hr_HR"),
    "TR": (("tr_TR",), "tr_TR"), "UA": (("uk_UA",), "uk_UA"),
    "US": (("en_US",), "en_US"),
}


def _build_pool(nat: str) -> _Pool:
    name_locales, addr_locale = _LOCALES[nat]
    base_seed = 0x5EED0000 + NATIONALITIES.index(nat)
    male: list[str] = []
    female: list[str] = []
    last: list[str] = []
    per = _POOL_SIZE // len(name_locales)
    for i, loc in enumerate(name_locales):
        f = _faker(loc)
        f.seed_instance(base_seed * 7 + i)
        male += _draw(f.first_name_male, per)
        female += _draw(f.first_name_female, per)
        last += _draw(f.last_name, per)

    a = _faker(addr_locale)
    a.seed_instance(base_seed * 7 + 5)
    to_display = None
    postcode: tuple[str, ...] = ()
    if nat == "UA":
        to_display = transliterate
        street = _draw(lambda: transliterate(a.street_name()))
        city = _draw(lambda: transliterate(_UA_CITY_PREFIX.sub("", a.city())))
        state = _draw(lambda: transliterate(_UA_REGION_SUFFIX.sub("", a.region())), 100)
    elif nat == "RS":
        street = _draw(a.street_name)
        city, state = _RS_CITIES, _RS_STATES
    elif nat == "TR":
        street = _draw(lambda: a.last_name() + a.random_element(_TR_STREET_SUFFIXES))
        city = state = _TR_PROVINCES
    elif nat == "CH":
        fr = _faker("fr_CH")
        street = _draw(lambda: _cap_first(fr.street_name()))
        city = _draw(a.city)
        state = _draw(a.canton_name, 100)
    else:
        street = _draw(lambda: _cap_first(a.street_name()))
        city = _draw(a.city, keep=lambda c: "(" not in c)
        if nat == "FR":
            state = _draw(a.department_name, 200)
        elif nat == "ES":
            state = _draw(a.autonomous_community, 100)
        elif nat in ("GB", "IE"):
            state = _draw(a.county, 150)
        elif nat == "NO":
            state = _NO_COUNTIES
            postcode = _draw(a.postcode, keep=lambda p: len(p) == 4 and p.isdigit())
        elif nat == "NZ":
            state = _NZ_REGIONS
        else:
            state = _draw(a.administrative_unit, 100)
    return _Pool(
        _name_pool(male, to_display), _name_pool(female, to_display),
        _name_pool(last, to_display), street, city, state, postcode,
    )


def _pool(nat: str) -> _Pool:
    p = _POOLS.get(nat)
    if p is None:
        with _LOCK:
            p = _POOLS.get(nat)
            if p is None:
                p = _build_pool(nat)
                _POOLS[nat] = p
    return p


# --------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1)
_DOB_MIN_MS = -800_000_000_000          # 1944-08-27T01:46:40Z, as in the API
_REG_MIN_MS = 1_016_688_461_000         # 2002-03-21, as in the API
_DAY_MS = 86_400_000

try:  # the API server formats DE/DK/FR id dates in its local US-Central time
    from zoneinfo import ZoneInfo

    _CENTRAL = ZoneInfo("America/Chicago")
except Exception:  # pragma: no cover - no tz database available
    _CENTRAL = timezone(timedelta(hours=-6))
_UTC = timezone.utc


def _ms_to_dt(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)


def _dt_to_ms(dt: datetime) -> int:
    d = dt - _EPOCH
    return (d.days * 86_400 + d.seconds) * 1000 + d.microseconds // 1000


def _iso(dt: datetime) -> str:
    return dt.isoformat(timespec="milliseconds") + "Z"


def _add_years(dt: datetime, years: int) -> datetime:
    """dt shifted by whole years; Feb 29 becomes Feb 28 in common years (dayjs)."""
    y = dt.year + years
    try:
        return dt.replace(year=y)
    except ValueError:
        return dt.replace(year=y, day=28)


def completed_years(born: datetime, now: datetime) -> int:
    """Completed years between two (naive UTC or aware) datetimes, like v1.4's
    ``dayjs().diff(date, 'years')``."""
    if born.tzinfo is not None:
        born = born.astimezone(_UTC).replace(tzinfo=None)
    if now.tzinfo is not None:
        now = now.astimezone(_UTC).replace(tzinfo=None)
    years = now.year - born.year
    if years > 0 and _add_years(born, years) > now:
        years -= 1
    elif years < 0 and _add_years(born, years) < now:
        years += 1
    return years


def _naive_utc(now: datetime | None) -> datetime:
    if now is None:
        now = datetime.now(_UTC)
    if now.tzinfo is not None:
        now = now.astimezone(_UTC).replace(tzinfo=None)
    # the API has millisecond resolution
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _uniform_dt(rng: random.Random, lo_ms: int, hi_ms: int) -> datetime:
    if hi_ms < lo_ms:
        hi_ms = lo_ms
    return _ms_to_dt(lo_ms + rng.randrange(hi_ms - lo_ms + 1))


def _on_birthday(rng: random.Random, now: datetime, age: int, day_offset: int) -> datetime | None:
    """A birth datetime whose ``age``-th birthday is ``day_offset`` days from now
    (0 = today, 1 = tomorrow); on 'today' the birth time of day is <= now's."""
    day = (now + timedelta(days=day_offset)).replace(hour=0, minute=0, second=0, microsecond=0)
    try:
        born_day = day.replace(year=day.year - age)
    except ValueError:  # Feb 29 in a common year: no such birthday
        return None
    if day_offset == 0:
        tod_ms = _dt_to_ms(now) - _dt_to_ms(day)
        return born_day + timedelta(milliseconds=rng.randrange(tod_ms + 1))
    return born_day + timedelta(milliseconds=rng.randrange(_DAY_MS))


def _draw_dob(rng: random.Random, now: datetime, now_ms: int, minor_share: float) -> datetime:
    u = rng.random()
    if u < minor_share:
        # minor: 0..13 completed years at now; 30 % sit on a birthday boundary
        # (13th birthday today, 13th birthday tomorrow, 14th birthday tomorrow)
        kind = rng.randrange(10)
        if kind < 3:
            age, off = ((13, 0), (13, 1), (14, 1))[kind]
            born = _on_birthday(rng, now, age, off)
            if born is not None and 0 <= completed_years(born, now) <= 13:
                return born
        lo = _dt_to_ms(_add_years(now, -14))
        while True:
            born = _uniform_dt(rng, lo + 1, now_ms)
            if 0 <= completed_years(born, now) <= 13:
                return born
    if u < minor_share * 1.1:
        # just over the line: 14th birthday today
        born = _on_birthday(rng, now, 14, 0)
        if born is not None:
            return born
    hi = _dt_to_ms(_add_years(now, -21))
    return _uniform_dt(rng, _DOB_MIN_MS, hi)


# --------------------------------------------------------------------------
# Per-nationality fields: phone, cell, id, postcode
# --------------------------------------------------------------------------

_POW10 = [10 ** i for i in range(16)]
_FMT = ["%0{}d".format(i) for i in range(16)]


def _d(rng: random.Random, n: int) -> str:
    """n random decimal digits (leading zeros allowed)."""
    return _FMT[n] % rng.randrange(_POW10[n])


def _letter(rng: random.Random) -> str:
    return _UPPER[rng.randrange(26)]


def _default_postcode(rng: random.Random) -> int:
    return rng.randrange(10000, 100000)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(digits):
        v = int(ch) * (2 if i % 2 else 1)
        total += v - 9 if v > 9 else v
    return total % 10 == 0


def _no_check(ten: str) -> str | None:
    w1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
    w2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    s = sum(w * int(c) for w, c in zip(w1, ten)) % 11
    k1 = 0 if s == 0 else 11 - s
    if k1 == 10:
        return None
    s = sum(w * int(c) for w, c in zip(w2, ten + str(k1))) % 11
    k2 = 0 if s == 0 else 11 - s
    if k2 >= 10 or k2 == 0:  # the API re-rolls when the last digit is 0
        return None
    return f"{k1}{k2}"


_US_SSN_BAD_AREA = re.compile(r"^(?:000|666|9\d\d)")


def _nat_AU(rng, male, last, dob):
    phone = f"0{rng.randrange(10)}-{rng.randrange(10)}{_d(rng, 3)}-{_d(rng, 4)}"
    cell = f"04{_d(rng, 2)}-{_d(rng, 3)}-{_d(rng, 3)}"
    return phone, cell, "TFN", _d(rng, 9), rng.randrange(200, 10000)


def _nat_BR(rng, male, last, dob):
    phone = f"({_d(rng, 2)}) {_d(rng, 4)}-{_d(rng, 4)}"
    cell = f"({_d(rng, 2)}) {_d(rng, 4)}-{_d(rng, 4)}"
    cpf = f"{_d(rng, 3)}.{_d(rng, 3)}.{_d(rng, 3)}-{_d(rng, 2)}"
    return phone, cell, "CPF", cpf, _default_postcode(rng)


def _ca_phone(rng):
    return f"{_letter(rng)}{_d(rng, 2)} {_letter(rng)}{_d(rng, 2)}-{_d(rng, 4)}"


def _nat_CA(rng, male, last, dob):
    phone, cell = _ca_phone(rng), _ca_phone(rng)
    while True:
        sin = _d(rng, 9)
        if _luhn_ok(sin):
            break
    pc = f"{_letter(rng)}{rng.randrange(10)}{_letter(rng)} {rng.randrange(10)}{_letter(rng)}{rng.randrange(10)}"
    return phone, cell, "SIN", sin, pc


_CH_PREFIX = ("075", "076", "077", "078", "079")


def _nat_CH(rng, male, last, dob):
    phone = f"{_CH_PREFIX[rng.randrange(5)]} {_d(rng, 3)} {_d(rng, 2)} {_d(rng, 2)}"
    cell = f"{_CH_PREFIX[rng.randrange(5)]} {_d(rng, 3)} {_d(rng, 2)} {_d(rng, 2)}"
    avs = f"756.{_d(rng, 4)}.{_d(rng, 4)}.{_d(rng, 2)}"
    return phone, cell, "AVS", avs, rng.randrange(1000, 10000)


def _central(dob: datetime) -> datetime:
    return dob.replace(tzinfo=_UTC).astimezone(_CENTRAL)


def _nat_DE(rng, male, last, dob):
    phone = f"0{_d(rng, 3)}-{_d(rng, 7)}"
    cell = f"017{rng.randrange(10)}-{_d(rng, 7)}"
    loc = _central(dob)
    serial = rng.randrange(0, 50) if male else rng.randrange(50, 100)
    svnr = (f"{_DE_PENSION[rng.randrange(len(_DE_PENSION))]} "
            f"{loc.day:02d}{loc.month:02d}{loc.year - 1900} {last[0]} {serial:02d}{rng.randrange(10)}")
    return phone, cell, "SVNR", svnr, _default_postcode(rng)


def _nat_DK(rng, male, last, dob):
    loc = _central(dob)
    cpr = f"{loc.day:02d}{loc.month:02d}{loc.year - 1900}-{_d(rng, 4)}"
    return _d(rng, 8), _d(rng, 8), "CPR", cpr, _default_postcode(rng)


def _nat_ES(rng, male, last, dob):
    phone = f"9{_d(rng, 2)}-{_d(rng, 3)}-{_d(rng, 3)}"
    cell = f"6{_d(rng, 2)}-{_d(rng, 3)}-{_d(rng, 3)}"
    return phone, cell, "DNI", f"{_d(rng, 8)}-{_letter(rng)}", _default_postcode(rng)


def _nat_FI(rng, male, last, dob):
    phone = f"0{rng.randrange(2, 10)}-{_d(rng, 3)}-{_d(rng, 3)}"
    cell = f"04{rng.randrange(10)}-{_d(rng, 3)}-{_d(rng, 2)}-{_d(rng, 2)}"
    zzz = _d(rng, 2) + str(2 * rng.randrange(5) + (1 if male else 0))
    return phone, cell, "HETU", f"NaNNA{zzz}undefined", _default_postcode(rng)


def _nat_FR(rng, male, last, dob):
    phone = f"0{rng.randrange(1, 6)}-{_d(rng, 2)}-{_d(rng, 2)}-{_d(rng, 2)}-{_d(rng, 2)}"
    cell = f"06-{_d(rng, 2)}-{_d(rng, 2)}-{_d(rng, 2)}-{_d(rng, 2)}"
    loc = _central(dob)
    body = f"{1 if male else 2}{loc.year - 1900}{loc.month - 1:02d}{_d(rng, 8)}"
    key = 97 - int(body) % 97
    return phone, cell, "INSEE", f"{body} {key:02d}", _default_postcode(rng)


_GB_FIXED = ("013873", "015242", "015394", "015395", "015396", "016973",
             "016974", "017683", "017684", "017687", "019467")


def _gb_phone(rng):
    k = rng.randrange(18)
    if k == 0:
        return f"01{_d(rng, 3)} {_d(rng, 5)}"
    if k == 1:
        return f"01{_d(rng, 3)} {_d(rng, 6)}"
    if k == 2:
        return f"011{_d(rng, 4)} {_d(rng, 3)} {_d(rng, 4)}"
    if k == 3:
        return f"01{rng.randrange(10)}1 {_d(rng, 3)} {_d(rng, 4)}"
    if k == 4:
        return f"016977 {_d(rng, 4)}"
    if k == 5:
        return f"02{rng.randrange(10)} {_d(rng, 4)} {_d(rng, 4)}"
    if k == 6:
        return f"016977 {_d(rng, 5)}"
    return f"{_GB_FIXED[k - 7]} {_d(rng, 5)}"


def _gb_postcode(rng):
    k = rng.randrange(6)
    a1 = _letter(rng)
    if k == 0:
        out = f"{a1}{rng.randrange(10)}"
    elif k == 1:
        out = f"{a1}{_letter(rng)}{rng.randrange(10)}"
    elif k == 2:
        out = f"{a1}{_d(rng, 2)}"
    elif k == 3:
        out = f"{a1}{_letter(rng)}{_d(rng, 2)}"
    elif k == 4:
        out = f"{a1}{_letter(rng)}{rng.randrange(10)}{_letter(rng)}"
    else:
        out = f"{a1}{rng.randrange(10)}{_letter(rng)}"
    return f"{out} {rng.randrange(10)}{_GB_POST_TAIL[rng.randrange(20)]}{_GB_POST_TAIL[rng.randrange(20)]}"


def _nat_GB(rng, male, last, dob):
    phone = _gb_phone(rng)
    cell = f"07{_d(rng, 3)} {_d(rng, 6)}"
    nino = (f"{_NINO_1[rng.randrange(20)]}{_NINO_2[rng.randrange(19)]} "
            f"{_d(rng, 2)} {_d(rng, 2)} {_d(rng, 2)} {_letter(rng)}")
    return phone, cell, "NINO", nino, _gb_postcode(rng)


def _nat_IE(rng, male, last, dob):
    phone = f"0{rng.randrange(1, 8)}1-{_d(rng, 3)}-{_d(rng, 4)}"
    cell = f"081-{_d(rng, 3)}-{_d(rng, 4)}"
    return phone, cell, "PPS", f"{_d(rng, 7)}T", _default_postcode(rng)


def _nat_IN(rng, male, last, dob):
    phone = f"{rng.randrange(7, 10)}{_d(rng, 9)}"
    cell = f"{rng.randrange(7, 10)}{_d(rng, 9)}"
    return phone, cell, "UIDAI", _d(rng, 12), _default_postcode(rng)


def _nat_IR(rng, male, last, dob):
    phone = f"0{_d(rng, 2)}-{_d(rng, 8)}"
    cell = f"09{_d(rng, 2)}-{_d(rng, 3)}-{_d(rng, 4)}"
    return phone, cell, "", None, _default_postcode(rng)


def _nat_MX(rng, male, last, dob):
    phone = f"(6{_d(rng, 2)}) {_d(rng, 3)} {_d(rng, 4)}"
    cell = f"(6{_d(rng, 2)}) {_d(rng, 3)} {_d(rng, 4)}"
    nss = f"{_d(rng, 2)} {_d(rng, 2)} {_d(rng, 2)} {_d(rng, 4)} {rng.randrange(10)}"
    return phone, cell, "NSS", nss, _default_postcode(rng)


def _nat_NL(rng, male, last, dob):
    if rng.randrange(2):
        phone = f"(0{_d(rng, 2)}) {_d(rng, 7)}"
    else:
        phone = f"(0{_d(rng, 3)}) {_d(rng, 6)}"
    cell = f"(06) {_d(rng, 8)}"
    pc = f"{_d(rng, 4)} {_letter(rng)}{_letter(rng)}"
    return phone, cell, "BSN", _d(rng, 8), pc


_NO_PHONE_FIRST = "235678"


def _nat_NO(rng, male, last, dob):
    phone = f"{_NO_PHONE_FIRST[rng.randrange(6)]}{_d(rng, 7)}"
    cell = f"{'49'[rng.randrange(2)]}{_d(rng, 7)}"
    birth = f"{dob.day:02d}{dob.month:02d}{dob.year % 100:02d}"
    while True:
        if dob.year >= 2000:
            no = 999 - rng.randrange(500)
        else:
            no = 499 - rng.randrange(500)
        if (no & 1) != (1 if male else 0):
            no -= 1
        if no < 0:
            continue
        ten = f"{birth}{no:03d}"
        chk = _no_check(ten)
        if chk is not None:
            break
    postcodes = _pool("NO").postcode
    return phone, cell, "FN", ten + chk, postcodes[rng.randrange(len(postcodes))]


def _paren_phone(rng):
    return f"({_d(rng, 3)})-{_d(rng, 3)}-{_d(rng, 4)}"


def _nat_NZ(rng, male, last, dob):
    return _paren_phone(rng), _paren_phone(rng), "", None, _default_postcode(rng)


def _nat_TR(rng, male, last, dob):
    return _paren_phone(rng), _paren_phone(rng), "", None, _default_postcode(rng)


def _nat_RS(rng, male, last, dob):
    phone = f"0{rng.randrange(1, 4)}{rng.randrange(10)}-{_d(rng, 4)}-{_d(rng, 3)}"
    cell = f"06{rng.randrange(10)}-{_d(rng, 4)}-{_d(rng, 3)}"
    return phone, cell, "SID", _d(rng, 9), _default_postcode(rng)


def _ua_phone(rng):
    return f"(0{_UA_MOBILE[rng.randrange(7)]}) {_letter(rng)}{_d(rng, 2)}-{_d(rng, 4)}"


def _nat_UA(rng, male, last, dob):
    return _ua_phone(rng), _ua_phone(rng), "", None, _default_postcode(rng)


def _us_phone(rng):
    return (f"({rng.randrange(2, 10)}{_d(rng, 2)}) "
            f"{rng.randrange(2, 10)}{_d(rng, 2)}-{_d(rng, 4)}")


def _nat_US(rng, male, last, dob):
    phone, cell = _us_phone(rng), _us_phone(rng)
    while True:
        ssn = f"{_d(rng, 3)}-{_d(rng, 2)}-{_d(rng, 4)}"
        if (_US_SSN_BAD_AREA.match(ssn) or ssn[4:6] == "00" or ssn[7:] == "0000"
                or ssn in ("219-09-9999", "078-05-1120")):
            continue
        break
    return phone, cell, "SSN", ssn, _default_postcode(rng)


_NAT_FIELDS = {nat: globals()["_nat_" + nat] for nat in NATIONALITIES}

_FEMALE_TITLES = ("Miss", "Mrs", "Ms")
_CH_FEMALE_TITLES = ("Mademoiselle", "Madame")
_PIC = "https://randomuser.me/api/portraits/"


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------

def _norm_nat(nat: str) -> str:
    code = nat.strip().upper()
    if code not in _NAT_FIELDS:
        raise ValueError(f"unknown nationality {nat!r}; expected one of {', '.join(NATIONALITIES)}")
    return code


def _coord(rng: random.Random, limit: int) -> str:
    v = rng.randrange(-limit, limit + 1)
    a = -v if v < 0 else v
    return f"{'-' if v < 0 else ''}{a // 10000}.{a % 10000:04d}"


def _generate(rng: random.Random, nat: str, now: datetime, now_ms: int, minor_share: float) -> dict:
    pool = _pool(nat)
    male = rng.random() < 0.5
    first, first_e = (pool.male if male else pool.female)[
        rng.randrange(len(pool.male if male else pool.female))]
    last, last_e = pool.last[rng.randrange(len(pool.last))]
    if nat == "CH":
        title = "Monsieur" if male else _CH_FEMALE_TITLES[rng.randrange(2)]
    else:
        title = "Mr" if male else _FEMALE_TITLES[rng.randrange(3)]

    street_number = rng.randrange(1, 10000)
    street = pool.street[rng.randrange(len(pool.street))]
    city = pool.city[rng.randrange(len(pool.city))]
    state = pool.state[rng.randrange(len(pool.state))]
    lat = _coord(rng, 900000)
    lon = _coord(rng, 1800000)
    tz = _TIMEZONES[rng.randrange(30)]

    salt = "".join(rng.choices(_ALNUM, k=8))
    password = _PASSWORDS[rng.randrange(len(_PASSWORDS))]
    raw = (password + salt).encode("utf-8")
    login_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    username = (f"{_ADJECTIVES[rng.randrange(23)]}{_ANIMALS[rng.randrange(26)]}"
                f"{rng.randrange(100, 1000)}")

    dob = _draw_dob(rng, now, now_ms, minor_share)
    dob_ms = _dt_to_ms(dob)
    reg = _uniform_dt(rng, max(_REG_MIN_MS, dob_ms), now_ms)

    phone, cell, id_name, id_value, postcode = _NAT_FIELDS[nat](rng, male, last, dob)
    pic_n = rng.randrange(100) if male else rng.randrange(97)
    kind = "men/" if male else "women/"

    return {
        "gender": "male" if male else "female",
        "name": {"title": title, "first": first, "last": last},
        "location": {
            "street": {"number": street_number, "name": street},
            "city": city,
            "state": state,
            "country": COUNTRY_NAMES[nat],
            "postcode": postcode,
            "coordinates": {"latitude": lat, "longitude": lon},
            "timezone": dict(tz),
        },
        "email": f"{first_e}.{last_e}@example.com",
        "login": {
            "uuid": login_uuid,
            "username": username,
            "password": password,
            "salt": salt,
            "md5": hashlib.md5(raw).hexdigest(),
            "sha1": hashlib.sha1(raw).hexdigest(),
            "sha256": hashlib.sha256(raw).hexdigest(),
        },
        "dob": {"date": _iso(dob), "age": completed_years(dob, now)},
        "registered": {"date": _iso(reg), "age": completed_years(reg, now)},
        "phone": phone,
        "cell": cell,
        "id": {"name": id_name, "value": id_value},
        "picture": {
            "large": f"{_PIC}{kind}{pic_n}.jpg",
            "medium": f"{_PIC}med/{kind}{pic_n}.jpg",
            "thumbnail": f"{_PIC}thumb/{kind}{pic_n}.jpg",
        },
        "nat": nat,
    }


def generate_user(rng: random.Random, nat: str | None = None, now: datetime | None = None,
                  minor_share: float = 0.05) -> dict:
    """One user record in randomuser.me v1.4 format.

    ``nat`` is one of :data:`NATIONALITIES` (case-insensitive) or ``None`` for a
    uniformly random one; ``now`` (default: current UTC time; naive values are
    taken as UTC) fixes the ages and the upper bound of the dates.
    """
    code = NATIONALITIES[rng.randrange(len(NATIONALITIES))] if nat is None else _norm_nat(nat)
    n = _naive_utc(now)
    return _generate(rng, code, n, _dt_to_ms(n), minor_share)


def generate_users(n: int, seed: int | None = None, nats: Sequence[str] | None = None,
                   now: datetime | None = None, minor_share: float = 0.05) -> list[dict]:
    """``n`` user records; each record's nationality is drawn uniformly from
    ``nats`` (default: all 21).  Same ``seed`` + ``now`` => identical output."""
    if n < 0:
        raise ValueError("n must be >= 0")
    if not 0.0 <= minor_share <= 1.0:
        raise ValueError("minor_share must be within [0, 1]")
    codes = NATIONALITIES if not nats else tuple(_norm_nat(x) for x in nats)
    rng = random.Random(seed)
    now_n = _naive_utc(now)
    now_ms = _dt_to_ms(now_n)
    k = len(codes)
    return [_generate(rng, codes[rng.randrange(k)], now_n, now_ms, minor_share) for _ in range(n)]
