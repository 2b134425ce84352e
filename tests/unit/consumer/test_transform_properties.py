"""Property-based tests (hypothesis) of the parsing and transformation functions of transform.py.

Spark jobs cost about a second each, so every example is a *list* of generated inputs turned into one
DataFrame, and each property runs a handful of examples: some hundreds of generated inputs per property.
"""
import datetime as dt
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyspark.sql import functions as F

from userprofiles.consumer import transform as T
from userprofiles.producer import synthetic

from ...reference import completed_years, expected_row

TODAY = dt.datetime.now(dt.UTC).date()
NOW = dt.datetime.now(dt.UTC)
PROPS = settings(max_examples=5, deadline=None, derandomize=False, print_blob=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
BASES = synthetic.generate_users(40, seed=11, now=NOW, minor_share=0.0)


def classify(kafka_frame, values, today=TODAY):
    return T.classify(T.parse(kafka_frame(values)), today)


# --- strategies ------------------------------------------------------------------------------------

# Any unicode text JSON can carry in UTF-8 (no lone surrogates), kept under MAX_TEXT.
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
nonempty = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)
# The analytics' keys (gender, nat): anything but empty or spaces only (Spark's trim), which is refused.
keys = nonempty.filter(lambda s: s.strip(" ") != "")
# An e-mail address as the pipeline accepts it: one '@', no whitespace, control, format, private-use or
# separator character on either side.
email_part = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Co", "Zs", "Zl", "Zp"),
                                   blacklist_characters="@ \t\n\r\x0b\x0c"), min_size=1, max_size=30) \
    .filter(lambda s: not any(c.isspace() for c in s))
emails = st.builds(lambda a, b: f"{a}@{b}", email_part, email_part)
adult_dobs = st.datetimes(min_value=dt.datetime(1900, 1, 2), max_value=dt.datetime(TODAY.year - 15, 1, 1))
uuids = st.builds(lambda u, upper: str(u).upper() if upper else str(u), st.uuids(), st.booleans())
postcodes = st.one_of(st.integers(0, 99999), text)


@st.composite
def valid_users(draw):
    u = json.loads(json.dumps(draw(st.sampled_from(BASES))))
    u["name"] = {"title": draw(text), "first": draw(text), "last": draw(text)}
    u["email"] = draw(emails)
    u["phone"] = draw(text)
    u["login"]["uuid"] = draw(uuids)
    u["login"]["username"] = draw(text)
    u["gender"] = draw(keys)
    u["nat"] = draw(keys)
    loc = u["location"]
    loc["street"] = {"number": draw(st.integers(0, 2**31 - 1)), "name": draw(text)}
    loc["city"], loc["state"], loc["country"] = draw(text), draw(text), draw(text)
    loc["postcode"] = draw(postcodes)
    dob = draw(adult_dobs)
    ms = draw(st.booleans())
    u["dob"]["date"] = dob.strftime("%Y-%m-%dT%H:%M:%S") + (f".{dob.microsecond // 1000:03d}" if ms else "") + "Z"
    return u


# --- properties ------------------------------------------------------------------------------------

@PROPS
@given(st.lists(valid_users(), min_size=1, max_size=40, unique_by=lambda u: u["login"]["uuid"].lower()),
       st.booleans())
def test_any_user_record_is_valid_and_transforms_like_python(kafka_frame, users, ascii_json):
    values = [json.dumps(u, ensure_ascii=ascii_json) for u in users]
    df = classify(kafka_frame, values)
    got = {r["identifiant"]: {k: v for k, v in r.asDict().items() if k != "offset"}
           for r in T.to_profiles(df).collect()}
    if len(got) != len(users):
        bad = df.where("status != 'valid'").select("offset", "reason").collect()
        raise AssertionError(f"not valid: {bad[:3]}, first: {values[bad[0]['offset']] if bad else None}")
    want = {u["login"]["uuid"].lower(): expected_row(u, TODAY) for u in users}
    assert got == want


# Bytes that stress the parser: random bytes, random text, and valid records cut, spliced or retyped.
def _mutation(rec, draw) -> bytes:
    raw = json.dumps(rec, ensure_ascii=False).encode("utf-8")
    kind = draw(st.sampled_from(["truncate", "insert", "flip", "retype", "drop"]))
    if kind == "truncate":
        return raw[:draw(st.integers(0, len(raw) - 1))]
    if kind == "insert":
        i = draw(st.integers(0, len(raw)))
        return raw[:i] + draw(st.binary(min_size=1, max_size=8)) + raw[i:]
    if kind == "flip":
        i = draw(st.integers(0, len(raw) - 1))
        return raw[:i] + bytes([raw[i] ^ draw(st.integers(1, 255))]) + raw[i + 1:]
    rec = json.loads(raw)
    path = draw(st.sampled_from(T.STRING_FIELDS)).split(".")
    d = rec
    for p in path[:-1]:
        d = d[p]
    if kind == "retype":
        d[path[-1]] = draw(st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
                                     st.lists(st.integers(), max_size=2), st.just({"x": "y@z"})))
    else:
        del d[path[-1]]
    return json.dumps(rec).encode("utf-8")


@st.composite
def any_message(draw):
    kind = draw(st.sampled_from(["bytes", "text", "json", "mutated", "none"]))
    if kind == "bytes":
        return draw(st.binary(max_size=300))
    if kind == "text":
        return draw(st.text(max_size=200)).encode("utf-8", "surrogatepass")
    if kind == "json":
        leaf = st.one_of(st.none(), st.booleans(), st.integers(),
                         st.floats(allow_nan=False, allow_infinity=False), text)
        doc = draw(st.recursive(leaf, lambda c: st.lists(c, max_size=3) | st.dictionaries(text, c, max_size=3),
                                max_leaves=10))
        return json.dumps(doc).encode("utf-8")
    if kind == "none":
        return None
    return _mutation(draw(st.sampled_from(BASES)), draw)


@PROPS
@given(st.lists(any_message(), min_size=1, max_size=60))
def test_arbitrary_bytes_never_crash_and_are_valid_or_have_a_reason(kafka_frame, values):
    df = classify(kafka_frame, values).select("offset", "status", "reason", "age").persist()
    rows = {r["offset"]: r for r in df.collect()}
    assert set(rows) == set(range(len(values)))
    for _off, r in rows.items():
        assert r["status"] in ("valid", "filtered", "dead"), r
        assert (r["status"] == "dead") == (r["reason"] is not None), r
        if r["status"] != "dead":
            assert r["age"] is not None and r["age"] >= 0, r
    # What the executors get: the same classification, and the message itself only for a dead letter.
    sinks = {r["offset"]: r for r in T.for_sinks(classify(kafka_frame, values)).collect()}
    for off, r in sinks.items():
        assert (r["status"], r["reason"]) == (rows[off]["status"], rows[off]["reason"])
        assert (r["value"] is not None) == (r["status"] == "dead" and values[off] is not None), r
    df.unpersist()


@PROPS
@given(st.lists(st.tuples(valid_users(), st.sampled_from(T.STRING_FIELDS),
                          st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
                                    st.lists(st.integers(), max_size=2), st.dictionaries(text, text, max_size=2))),
                min_size=1, max_size=30))
def test_a_string_field_of_another_json_type_is_dead_lettered_naming_the_field(kafka_frame, cases):
    values = []
    for u, field, value in cases:
        d = u
        path = field.split(".")
        for p in path[:-1]:
            d = d[p]
        d[path[-1]] = value
        values.append(json.dumps(u))
    got = [(r["status"], r["reason"]) for r in
           classify(kafka_frame, values).orderBy("offset").select("status", "reason").collect()]
    assert got == [("dead", f"not a JSON string: {field}") for _, field, _ in cases]


@PROPS
@given(st.lists(st.tuples(st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
                          st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))), min_size=1, max_size=200))
def test_completed_years_matches_python_for_any_dates(spark, pairs):
    pairs = pairs + [(dt.date(2012, 2, 29), dt.date(2026, 2, 28)), (dt.date(2012, 2, 29), dt.date(2026, 3, 1))]
    df = spark.createDataFrame([(i, b, t) for i, (b, t) in enumerate(pairs)], "i int, b date, t date")
    got = dict(df.select("i", T.completed_years(F.col("b"), F.col("t")).alias("y")).collect())
    assert got == {i: completed_years(b, t) for i, (b, t) in enumerate(pairs)}


@st.composite
def dob_texts(draw):
    """A date of birth as the API writes it, in any offset, and its UTC day."""
    when = draw(st.datetimes(min_value=dt.datetime(1900, 1, 2), max_value=dt.datetime(TODAY.year - 1, 1, 1)))
    minutes = draw(st.integers(-14 * 60, 14 * 60))
    tz = dt.timezone(dt.timedelta(minutes=minutes))
    local = when.replace(tzinfo=tz)
    off = "Z" if minutes == 0 and draw(st.booleans()) else local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:]
    ms = f".{when.microsecond // 1000:03d}" if draw(st.booleans()) else ""
    return local.strftime("%Y-%m-%dT%H:%M:%S") + ms + off, local.astimezone(dt.UTC).date()


@PROPS
@given(st.lists(dob_texts(), min_size=1, max_size=60), st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)))
def test_age_of_a_record_is_completed_years_of_its_utc_birth_day(kafka_frame, dobs, today):
    base = BASES[0]
    values = []
    for i, (text_, _) in enumerate(dobs):
        u = json.loads(json.dumps(base))
        u["login"]["uuid"] = f"00000000-0000-4000-8000-{i:012d}"
        u["dob"]["date"] = text_
        values.append(json.dumps(u))
    rows = classify(kafka_frame, values, today).orderBy("offset").select("age", "reason").collect()
    assert [(r["age"], r["reason"]) for r in rows] == [(completed_years(day, today), None) for _, day in dobs]


@st.composite
def impossible_dates(draw):
    y = draw(st.integers(1900, TODAY.year - 1))
    m = draw(st.integers(1, 14))
    d = draw(st.integers(1, 35))
    try:
        dt.date(y, m, d)
        m = 13  # a possible day: make it impossible
    except ValueError:
        pass
    return f"{y:04d}-{m:02d}-{d:02d}T00:00:00" + draw(st.sampled_from([".000Z", "Z"]))


@PROPS
@given(st.lists(impossible_dates(), min_size=1, max_size=60))
def test_impossible_dates_are_dead_lettered_as_unparsable(kafka_frame, dates):
    values = []
    for _i, d in enumerate(dates):
        u = json.loads(json.dumps(BASES[1]))
        u["dob"]["date"] = d
        values.append(json.dumps(u))
    got = [r["reason"] for r in classify(kafka_frame, values).orderBy("offset").select("reason").collect()]
    assert got == ["unparsable dob.date"] * len(dates)
