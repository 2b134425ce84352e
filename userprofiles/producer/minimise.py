"""Data minimisation at the source: the producer publishes no password, salt or login hash of a user
(randomuser.me's login.password, salt, md5, sha1, sha256). Nothing downstream uses them, and the raw topic is
the one place where a record is in clear text (docs/security.md); --keep-login-secrets publishes records as the
source gives them.

A message is rebuilt only when its JSON holds one of these members; everything else of it is kept as it was:
duplicate keys and their order, and the exact text of every number (a message that the consumer would refuse
is refused all the same, and a valid one gives the same row).
"""
from __future__ import annotations

import json

LOGIN_SECRETS = ("password", "salt", "md5", "sha1", "sha256")
# A message without any of these texts holds none of the members: a key can only hide behind a \u escape.
_MARKERS = (b"\\u", *(f'"{k}"'.encode() for k in LOGIN_SECRETS))


class _Number(str):
    """A JSON number (or NaN/Infinity, which the consumer refuses) as its text in the message."""


class _Object(list):
    """A JSON object as the list of its (key, value) pairs, duplicates and order kept."""


def _parse(text: str):
    return json.loads(text, object_pairs_hook=_Object, parse_float=_Number, parse_int=_Number,
                      parse_constant=_Number)


def _dump(node, ascii_only: bool) -> str:
    if isinstance(node, _Number):
        return str(node)
    if isinstance(node, str):
        return json.dumps(node, ensure_ascii=ascii_only)
    if isinstance(node, _Object):
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=ascii_only)}:{_dump(v, ascii_only)}"
                              for k, v in node) + "}"
    if isinstance(node, list):
        return "[" + ",".join(_dump(v, ascii_only) for v in node) + "]"
    return json.dumps(node)   # true, false, null


def without_login_secrets(value: bytes) -> bytes:
    """VALUE (a message) without the members LOGIN_SECRETS of its top-level `login` object; VALUE itself when
    it has none of them, or is no JSON object."""
    if not any(m in value for m in _MARKERS):
        return value
    try:
        doc = _parse(value.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return value
    if not isinstance(doc, _Object):
        return value
    changed = False
    for i, (key, member) in enumerate(doc):
        if key == "login" and isinstance(member, _Object):
            kept = _Object((k, v) for k, v in member if k not in LOGIN_SECRETS)
            if len(kept) != len(member):
                doc[i] = (key, kept)
                changed = True
    if not changed:
        return value
    try:
        return _dump(doc, ascii_only=False).encode("utf-8")
    except UnicodeEncodeError:   # a lone surrogate (an escape in the message): kept as an escape
        return _dump(doc, ascii_only=True).encode("ascii")
