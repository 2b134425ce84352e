"""The per-nationality rules of the v1.4 API, one table row per nationality.

Phones, cells, postcodes and plain ids are templates (patterns.py); an id that needs a check digit or the date
of birth names its formatter in ids.py.  The shapes follow the live API, its bugs included (letters in CA and UA
phone numbers), because the tests prove every row on real records.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from userprofiles.producer.synthetic import ids, places
from userprofiles.producer.synthetic.ids import IdFormatter
from userprofiles.producer.synthetic.patterns import Template, fill

_FEMALE_TITLES = ("Miss", "Mrs", "Ms")
_FIVE_DIGITS = range(10000, 100000)


@dataclass(frozen=True)
class Nationality:
    """One nationality's rules.  Location sources are Faker method names or built-in lists of real names."""

    country: str
    locales: tuple[str, ...]  # Faker locales: names are drawn from all of them, addresses from the first
    phone: Template
    cell: Template
    id_name: str
    id_value: Template | IdFormatter | None  # None: the API's null id value
    postcode: range | Template  # a range gives an int postcode, a template a string one
    state: str | tuple[str, ...] = "administrative_unit"
    city: str | tuple[str, ...] = "city"
    street: str = "street_name"
    latin: bool = False  # show Faker's Cyrillic names and places transliterated
    male_titles: tuple[str, ...] = ("Mr",)
    female_titles: tuple[str, ...] = _FEMALE_TITLES

    def make_postcode(self, rng: random.Random) -> int | str:
        pc = self.postcode
        return rng.choice(pc) if isinstance(pc, range) else fill(rng, pc)

    def make_id(self, rng: random.Random, male: bool, last: str, dob: datetime) -> str | None:
        rule = self.id_value
        if rule is None:
            return None
        if isinstance(rule, str | tuple):
            return fill(rng, rule)
        return rule(rng, male, last, dob)


_GB_PHONES = ("01### #####", "01### ######", "011#### ### ####", "01#1 ### ####", "01#### ####", "01#### #####",
              "02# #### ####")
_GB_POSTCODES = ("@# #@@", "@@# #@@", "@## #@@", "@@## #@@", "@#@ #@@", "@@#@ #@@")
_UA_PHONES = tuple(f"(0{code}) @##-####" for code in ("66", "67", "68", "96", "97", "98", "99"))
_US_PHONE = "([23456789]##) [23456789]##-####"

RULES: dict[str, Nationality] = {
    "AU": Nationality("Australia", ("en_AU",), "0#-####-####", "04##-###-###", "TFN", "#########", range(200, 10000)),
    "BR": Nationality("Brazil", ("pt_BR",), "(##) ####-####", "(##) ####-####", "CPF", "###.###.###-##",
                      _FIVE_DIGITS),
    "CA": Nationality("Canada", ("en_CA",), "@## @##-####", "@## @##-####", "SIN", ids.sin, "@#@ #@#"),
    "CH": Nationality("Switzerland", ("de_CH", "fr_CH"), "07[56789] ### ## ##", "07[56789] ### ## ##", "AVS",
                      "756.####.####.##", range(1000, 10000), state="canton_name",
                      male_titles=("Monsieur",), female_titles=("Mademoiselle", "Madame")),
    "DE": Nationality("Germany", ("de_DE",), "0###-#######", "017#-#######", "SVNR", ids.svnr, _FIVE_DIGITS),
    "DK": Nationality("Denmark", ("da_DK",), "########", "########", "CPR", ids.cpr, _FIVE_DIGITS),
    "ES": Nationality("Spain", ("es_ES",), "9##-###-###", "6##-###-###", "DNI", "########-@", _FIVE_DIGITS,
                      state="autonomous_community"),
    "FI": Nationality("Finland", ("fi_FI",), "0[23456789]-###-###", "04#-###-##-##", "HETU", ids.hetu,
                      _FIVE_DIGITS),
    "FR": Nationality("France", ("fr_FR",), "0[12345]-##-##-##-##", "06-##-##-##-##", "INSEE", ids.insee,
                      _FIVE_DIGITS, state="department_name"),
    "GB": Nationality("United Kingdom", ("en_GB",), _GB_PHONES, "07### ######", "NINO", "@@ ## ## ## @",
                      _GB_POSTCODES, state="county"),
    "IE": Nationality("Ireland", ("en_IE",), "0[1234567]1-###-####", "081-###-####", "PPS", "#######T",
                      _FIVE_DIGITS, state="county"),
    "IN": Nationality("India", ("en_IN",), "[789]#########", "[789]#########", "UIDAI", "############",
                      _FIVE_DIGITS),
    "IR": Nationality("Iran", ("fa_IR",), "0##-########", "09##-###-####", "", None, _FIVE_DIGITS),
    "MX": Nationality("Mexico", ("es_MX",), "(6##) ### ####", "(6##) ### ####", "NSS", "## ## ## #### #",
                      _FIVE_DIGITS),
    "NL": Nationality("Netherlands", ("nl_NL",), ("(0##) #######", "(0###) ######"), "(06) ########", "BSN",
                      "########", "#### @@"),
    "NO": Nationality("Norway", ("no_NO",), "[235678]#######", "[49]#######", "FN", ids.fodselsnummer, "####",
                      state=places.NO_COUNTIES),
    "NZ": Nationality("New Zealand", ("en_NZ",), "(###)-###-####", "(###)-###-####", "", None, _FIVE_DIGITS,
                      state=places.NZ_REGIONS),
    # Faker's Croatian locale gives Latin-script South-Slavic names; its places are Croatian, hence the lists.
    "RS": Nationality("Serbia", ("hr_HR",), "0[123]#-####-###", "06#-####-###", "SID", "#########", _FIVE_DIGITS,
                      city=places.RS_CITIES, state=places.RS_STATES),
    "TR": Nationality("Turkey", ("tr_TR",), "(###)-###-####", "(###)-###-####", "", None, _FIVE_DIGITS,
                      street="last_name", city=places.TR_PROVINCES, state=places.TR_PROVINCES),
    "UA": Nationality("Ukraine", ("uk_UA",), _UA_PHONES, _UA_PHONES, "", None, _FIVE_DIGITS,
                      city="city_name", state="region", latin=True),
    "US": Nationality("United States", ("en_US",), _US_PHONE, _US_PHONE, "SSN", ids.ssn, _FIVE_DIGITS),
}

NATIONALITIES: tuple[str, ...] = tuple(RULES)
COUNTRY_NAMES: dict[str, str] = {code: rule.country for code, rule in RULES.items()}
