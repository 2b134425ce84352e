"""Names and e-mails: the e-mail rule on real records and ours, scripts per nationality, romanisations."""

from __future__ import annotations

import re
import unicodedata

from userprofiles.producer.synthetic import email_part, transliterate

_SPECIAL = {"ø": "o", "æ": "ae", "ß": "ss", "đ": "d", "ı": "i", "ł": "l", "œ": "oe"}


def latin_email_part(name: str) -> str:
    s = "".join(_SPECIAL.get(c, c) for c in name.lower())
    s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    return s.replace(" ", "")


def _check_email(rec):
    email = rec["email"]
    assert re.fullmatch(r"[a-z][a-z.\-]*\.[a-z][a-z.\-]*@example\.com", email), email
    if rec["nat"] != "IR":
        expected = f"{latin_email_part(rec['name']['first'])}.{latin_email_part(rec['name']['last'])}@example.com"
        assert email == expected


def test_email_rule_on_real_records(real):
    for r in real:
        _check_email(r)


def test_email_rule_generated(users):
    for u in users:
        _check_email(u)


def test_ir_is_persian_script_with_romanised_email(users_by_nat):
    arabic = re.compile(r"[\u0600-\u06FF]")
    for u in users_by_nat["IR"]:
        assert arabic.search(u["name"]["first"]) and arabic.search(u["name"]["last"])
        assert arabic.search(u["location"]["city"]) and arabic.search(u["location"]["street"]["name"])
        assert u["email"].isascii()


def test_ua_rs_names_are_latin(users_by_nat, real_by_nat):
    cyrillic = re.compile(r"[\u0400-\u04FF]")
    for nat in ("UA", "RS"):
        for rec in users_by_nat[nat] + real_by_nat[nat]:
            for text in (rec["name"]["first"], rec["name"]["last"], rec["location"]["city"],
                         rec["location"]["state"], rec["location"]["street"]["name"]):
                assert not cyrillic.search(text), (nat, text)
    # Serbian Latin keeps its diacritics
    assert any(re.search("[čćđšžČĆĐŠŽ]", u["name"]["last"]) for u in users_by_nat["RS"])


def test_known_romanisations():
    assert email_part("هستی") == "hsty"
    assert email_part("علیزاده") == "aalyzdh"
    assert email_part("Tømmerås") == "tommeras"
    assert email_part("Kulaksızoğlu") == "kulaksizoglu"
    assert email_part("da Mata") == "damata"
    assert transliterate("Ходорів") == "Hodoriv"
