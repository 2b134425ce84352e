"""Names as the records show them and as their e-mail addresses spell them.

The API's e-mail is ``first.last@example.com`` in lower-case ASCII, so names are transliterated: Ukrainian
Cyrillic to Latin (UA records show Latin names), Persian script without vowels like the API's IR e-mails, and
other Latin letters stripped of their accents.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

_UK_LOWER = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e",
    "є": "ye", "ж": "zh", "з": "z", "и": "i", "і": "i", "ї": "yi", "й": "y",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch",
    "ш": "sh", "щ": "shch", "ь": "", "ю": "yu", "я": "ya", "ы": "y", "э": "e",
    "ё": "yo", "ъ": "",
}
_TRANSLIT: dict[str, str] = {**_UK_LOWER, **{c.upper(): latin.capitalize() for c, latin in _UK_LOWER.items()}}
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
    "’": "", "ʼ": "",
})


def transliterate(text: str) -> str:
    """Best-effort ASCII transliteration (keeps ASCII characters as they are)."""
    if text.isascii():
        return text
    out = []
    for ch in text:
        rep = ch if ch.isascii() else _TRANSLIT.get(ch)
        if rep is None:
            rep = "".join(d for d in unicodedata.normalize("NFKD", ch) if d.isascii())
        out.append(rep)
    return "".join(out)


def email_part(name: str) -> str:
    """The name as the e-mail address spells it."""
    return transliterate(name).replace(" ", "").lower()


# Faker names the API never shows (regnal numbers, German name particles, digits, punctuation).
_BAD_NAME = re.compile(r"\b(?:I{1,3}|IV|auch|von und zu)\b|[\d'’ʼ(),]")
_EMAIL_PART_OK = re.compile(r"^[a-z][a-z.\-]*$")


def with_email_parts(names: Iterable[str], display: Callable[[str], str] = str) -> tuple[tuple[str, str], ...]:
    """(shown name, e-mail part) pairs of the names that make a clean address, in first-seen order."""
    out: dict[str, str] = {}
    for name in map(display, names):
        part = email_part(name)
        if name and not _BAD_NAME.search(name) and _EMAIL_PART_OK.match(part):
            out[name] = part
    return tuple(out.items())
