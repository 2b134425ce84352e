"""Data minimisation at the source: the producer publishes no password, salt or login hash of a user
(randomuser.me's login.password, salt, md5, sha1, sha256). Nothing downstream uses them, and the raw topic is
the one place where a record is in clear text (docs/security.md); --keep-login-secrets publishes records as the
source gives them.

A record that the producer serialises itself (the API's, the synthetic source's) loses the members before it is
serialised. A line sent as the file gives it loses only the secret members' text; every other byte stays as it
was (duplicate keys and their order, the exact text of every number and escape), so a message that the consumer
would refuse is refused all the same, and a valid one gives the same row.
"""
from __future__ import annotations

import json
import re
from json.decoder import scanstring

LOGIN_SECRETS = ("password", "salt", "md5", "sha1", "sha256")
# A message without any of these texts holds none of the members: a key can only hide behind a \u escape.
_MARKERS = (b"\\u", *(f'"{k}"'.encode() for k in LOGIN_SECRETS))
_WS = re.compile(r"[ \t\n\r]*")
_VALUE = json.JSONDecoder()


def drop_login_secrets(record):
    """RECORD (a parsed record) without the members LOGIN_SECRETS of its `login` object, in a copy; RECORD
    itself when it has none."""
    login = record.get("login") if isinstance(record, dict) else None
    if not isinstance(login, dict) or not any(k in login for k in LOGIN_SECRETS):
        return record
    return {**record, "login": {k: v for k, v in login.items() if k not in LOGIN_SECRETS}}


def _members(text: str, at: int):
    """The members of the JSON object whose '{' is at AT: yields (key, key_start, value_start, value_end) and
    returns the index just past its '}'. Raises ValueError (or IndexError) where the text is no JSON object."""
    if text[at] != "{":
        raise ValueError("not an object")
    at = _WS.match(text, at + 1).end()
    if text[at] == "}":
        return at + 1
    while True:
        if text[at] != '"':
            raise ValueError("a key is no string")
        key, colon = scanstring(text, at + 1)
        colon = _WS.match(text, colon).end()
        if text[colon] != ":":
            raise ValueError("no ':' after a key")
        start = _WS.match(text, colon + 1).end()
        end = _VALUE.raw_decode(text, start)[1]
        yield key, at, start, end
        at = _WS.match(text, end).end()
        if text[at] == "}":
            return at + 1
        if text[at] != ",":
            raise ValueError("no ',' between members")
        at = _WS.match(text, at + 1).end()


def _walk(text: str, at: int) -> tuple[list, int]:
    members = []
    walker = _members(text, at)
    while True:
        try:
            members.append(next(walker))
        except StopIteration as done:
            return members, done.value


def without_login_secrets(value: bytes) -> bytes:
    """VALUE (a message) without the members LOGIN_SECRETS of its top-level `login` objects; VALUE itself when
    it has none of them, or is no JSON object."""
    if not any(m in value for m in _MARKERS):
        return value
    try:
        text = value.decode("utf-8")
        top, end = _walk(text, _WS.match(text).end())
        if end != len(text) and _WS.match(text, end).end() != len(text):
            return value
        cuts = []   # (start, end, replacement) of each login object that loses members, in order
        for key, _, start, stop in top:
            if key == "login" and text[start] == "{":
                members, _ = _walk(text, start)
                kept = [text[k:v_end] for name, k, _, v_end in members if name not in LOGIN_SECRETS]
                if len(kept) != len(members):
                    cuts.append((start, stop, "{" + ",".join(kept) + "}"))
    except (UnicodeDecodeError, ValueError, IndexError, RecursionError):
        return value
    if not cuts:
        return value
    out, last = [], 0
    for start, stop, replacement in cuts:
        out += (text[last:start], replacement)
        last = stop
    out.append(text[last:])
    return "".join(out).encode("utf-8")
