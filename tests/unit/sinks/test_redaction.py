"""Dead letters' masked copies (userprofiles/sinks/redaction.py): by structure, whatever the JSON shape or escaping."""
import json
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from userprofiles.producer import synthetic
from userprofiles.sinks.redaction import CLEAR_PATHS, MASK, MAX_COPY, letter, masked_copy

SETTINGS = settings(max_examples=300, deadline=None)
text = st.text(max_size=30)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), text)
keys = st.one_of(st.sampled_from(["email", "Email", "phone", "cell", "location", "login", "dob", "id", "name",
                                  "gender", "nat", "title", "uuid", "registered", "date", "age", "password"]), text)
docs = st.recursive(scalars, lambda c: st.lists(c, max_size=4) | st.dictionaries(keys, c, max_size=5),
                    max_leaves=25)


def escape_every_char(obj) -> str:
    """JSON text with every character of every key and string written as a \\uXXXX escape."""
    def s(x: str) -> str:
        return '"' + "".join(f"\\u{b:04x}" for ch in x for b in _utf16(ch)) + '"'
    if isinstance(obj, dict):
        return "{" + ",".join(f"{s(k)}:{escape_every_char(v)}" for k, v in obj.items()) + "}"
    if isinstance(obj, list):
        return "[" + ",".join(escape_every_char(v) for v in obj) + "]"
    if isinstance(obj, str):
        return s(obj)
    return json.dumps(obj)


def _utf16(ch: str):
    data = ch.encode("utf-16-be", "surrogatepass")
    return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]


def leaves(doc, path=()):
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from leaves(v, path + (k.lower(),))
    elif isinstance(doc, list):
        for v in doc:
            yield from leaves(v, path)
    else:
        yield path, doc


@SETTINGS
@given(st.dictionaries(keys, docs, min_size=1, max_size=6), st.sampled_from(["ascii", "utf8", "escaped"]))
def test_every_value_outside_the_clear_paths_is_masked_whatever_the_shape_or_escaping(doc, encoding):
    raw = {"ascii": lambda d: json.dumps(d), "utf8": lambda d: json.dumps(d, ensure_ascii=False),
           "escaped": escape_every_char}[encoding](doc).encode("utf-8", "surrogatepass")
    copy, truncated = masked_copy(raw)
    assert copy is not None and not truncated and copy.isascii()
    for path, value in leaves(json.loads(copy)):
        assert value is None or value == MASK or path in CLEAR_PATHS, (path, value)
    # The structure stays readable: same keys, as decoded.
    assert set(json.loads(copy)) == set(doc)


@SETTINGS
@given(st.binary(max_size=200))
def test_a_message_that_is_not_json_gets_no_copy(raw):
    try:
        json.loads(raw.decode("utf-8"))
        return  # rare: random bytes that are JSON
    except (UnicodeDecodeError, ValueError):
        pass
    assert masked_copy(raw) == (None, False)


def test_no_secret_of_generated_users_survives_in_any_encoding_or_shape():
    users = synthetic.generate_users(100, seed=5, minor_share=0.0)
    rng = random.Random(3)
    secrets, payloads = [], []
    for u in users:
        secrets += [u["email"], u["phone"], u["cell"], u["login"]["password"], u["login"]["sha256"],
                    u["location"]["street"]["name"], u["name"]["last"], u["dob"]["date"]]
        secrets += [u["id"]["value"]] if u["id"]["value"] else []
        shape = rng.choice(["plain", "object", "array", "escaped-key", "nested"])
        if shape == "object":
            u["email"] = {"work": u["email"], "home": [u["email"]]}
        elif shape == "array":
            u["phone"] = [u["phone"], {"cell": u["cell"]}]
        elif shape == "nested":
            u["extra"] = {"contact": {"email": u["email"], "phones": [u["phone"]]}}
        text_ = json.dumps(u, ensure_ascii=rng.random() < 0.5)
        if shape == "escaped-key":
            text_ = text_.replace('"email"', '"\\u0065mail"').replace('"phone"', '"ph\\u006fne"')
        payloads.append(text_.encode())
    out = b"\n".join(letter("invalid email", topic="t", partition=0, offset=i, timestamp_ms=0, payload=p)[1]
                     for i, p in enumerate(payloads)).decode()
    for s in secrets:
        for form in (s, json.dumps(s), json.dumps(s, ensure_ascii=False), json.dumps(json.dumps(s))):
            assert form.strip('"') not in out, s


def test_a_huge_message_is_cut_and_says_so():
    raw = json.dumps({"nat": "x" * (2 * MAX_COPY), "email": "a@b.c"}).encode()
    copy, truncated = masked_copy(raw)
    assert truncated and len(copy) == MAX_COPY


def test_letter_carries_reason_position_hash_and_connect_headers():
    raw = b'{"login": {"uuid": "u", "password": "hunter2"}, "gender": "female"}'
    key, value, headers = letter("invalid login.uuid", topic="users", partition=2, offset=7, timestamp_ms=1,
                                 payload=raw)
    body = json.loads(value)
    assert key == b"users:2:7"
    assert body["reason"] == "invalid login.uuid" and body["source_offset"] == 7 and body["payload_bytes"] == len(raw)
    assert json.loads(body["payload_redacted"]) == {"login": {"uuid": "u", "password": MASK}, "gender": "female"}
    h = dict(headers)
    assert h["__connect.errors.topic"] == b"users" and h["__connect.errors.offset"] == b"7"
    sink = json.loads(letter("Cassandra refused the row: x", topic="users", partition=0, offset=1, timestamp_ms=1,
                             payload=None, sink="cassandra")[1])
    assert sink["refused_by"] == "cassandra" and "payload_redacted" not in sink
