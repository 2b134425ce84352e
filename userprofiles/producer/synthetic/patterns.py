"""Fill-in templates for phone numbers, postcodes and plain ids.

A template is literal text in which ``#`` stands for a random digit, ``@`` for a random capital letter and
``[abc]`` for one of the listed characters; a tuple of templates means one of them, uniformly.  Templates keep
the per-nationality shapes readable as data, next to the regexes the tests hold them to.
"""

from __future__ import annotations

import random
import re
from functools import cache

Template = str | tuple[str, ...]

_DIGITS = "0123456789"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_TOKEN = re.compile(r"#|@|\[([^\]]+)\]")


@cache
def _parts(template: str) -> tuple[str | tuple[str, ...], ...]:
    """The template as literal strings and tuples of characters to choose from, parsed once."""
    parts: list[str | tuple[str, ...]] = []
    pos = 0
    for m in _TOKEN.finditer(template):
        if m.start() > pos:
            parts.append(template[pos:m.start()])
        token = m.group()
        parts.append(tuple(_DIGITS if token == "#" else _LETTERS if token == "@" else m.group(1)))
        pos = m.end()
    if pos < len(template):
        parts.append(template[pos:])
    return tuple(parts)


def fill(rng: random.Random, template: Template) -> str:
    """A random string of the template's shape."""
    if isinstance(template, tuple):
        template = rng.choice(template)
    return "".join(p if isinstance(p, str) else rng.choice(p) for p in _parts(template))
