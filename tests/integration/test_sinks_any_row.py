"""Generated rows (any Unicode text, sizes up to the limits, nulls) through the real Cassandra writer, and their
values as MongoDB counter keys: each row is stored exactly or refused with a reason (an identifiant that is no
uuid), never failing the others, and every text the table stores is a key the analytics store as it is."""
import itertools
import uuid
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.addresses import settings_as
from tests.support.clients import cassandra_session
from tests.support.sandbox import Sandbox
from userprofiles.consumer.transform import MAX_TEXT
from userprofiles.domain import analytics
from userprofiles.domain.profile import PROFILE_COLUMNS
from userprofiles.sinks import cassandra, mongo

KEYSPACE = "it_anyrow_" + uuid.uuid4().hex[:8]
# The consumer's own settings and credentials (its role may write the rows, not create the table).
CASS = replace(settings_as("consumer").cassandra, keyspace=KEYSPACE, table="users_profiles", retry_seconds=30)
MONGO = replace(settings_as("consumer").mongo, db=KEYSPACE, retry_seconds=30)
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))

# Any code point that has a UTF-8 form (the plan dead-letters a lone surrogate escape before any sink).
any_char = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, blacklist_categories=("Cs",))
wide = st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF)  # 4 bytes in UTF-8
texts = st.one_of(st.text(any_char, max_size=40), st.text(wide, min_size=MAX_TEXT - 5, max_size=MAX_TEXT),
                  st.builds(lambda c, n: c * n, wide, st.integers(MAX_TEXT - 2, MAX_TEXT)))
keys = texts.filter(lambda t: t.strip(" ") != "")  # gender and nationality: never blank (transform.py)
identifiants = st.one_of(st.uuids().map(str), st.uuids().map(lambda u: str(u).upper()),
                         st.sampled_from(["not-a-uuid", "", "0" * 36, "1234"]))


@st.composite
def rows(draw):
    t = {c: draw(st.one_of(st.none(), texts)) for c in ("title", "full_name", "username", "inscription")}
    return (draw(identifiants), t["title"], t["full_name"], draw(keys), t["username"], draw(keys),
            "e" * 64, "p" * 64, "a" * 64, draw(st.integers(14, 120)), t["inscription"], draw(keys))


def is_uuid(text: str) -> bool:
    try:
        return len(text) == 36 and str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False


def arrow(batch):
    import pyarrow as pa

    return pa.RecordBatch.from_pydict({c: pa.array([r[i] for r in batch], type=pa.int32() if c == "age" else
                                                    pa.string()) for i, c in enumerate(PROFILE_COLUMNS)})


@pytest.fixture(scope="module", autouse=True)
def keyspace():
    Sandbox(name=KEYSPACE).create_keyspace()   # by the admin, with the consumer's grants
    yield
    cassandra_session().execute(f"DROP KEYSPACE IF EXISTS {KEYSPACE}", timeout=60)
    mongo.database(MONGO).client.drop_database(KEYSPACE)


@SETTINGS
@given(st.lists(rows(), min_size=1, max_size=60, unique_by=lambda r: r[0].lower()))
def test_every_row_is_stored_exactly_or_refused_alone(batch):
    res = cassandra.write_rows(CASS, arrow(batch))
    want_refused = {i for i, r in enumerate(batch) if not is_uuid(r[0])}
    assert set(res.refused) == want_refused, res.refused
    assert all(why.startswith("Cassandra") for why in res.refused.values())
    assert res.written == len(batch) - len(want_refused)
    good = [r for i, r in enumerate(batch) if i not in want_refused]
    if not good:
        return
    ids = ", ".join(r[0] for r in good)
    stored = {str(r.identifiant): r for r in cassandra_session().execute(
        f"SELECT * FROM {KEYSPACE}.users_profiles WHERE identifiant IN ({ids})", timeout=60)}
    assert set(stored) == {r[0].lower() for r in good}
    for r in good:
        got = stored[r[0].lower()]
        assert tuple(getattr(got, c) for c in PROFILE_COLUMNS[1:]) == r[1:]


BATCH_IDS = itertools.count()  # each example is the next micro-batch


@SETTINGS
@given(st.lists(rows(), min_size=1, max_size=40))
def test_every_stored_value_is_a_counter_key_as_it_is(batch):
    """The plan lets through only rows the table stores; their gender, nationality and domain are the keys."""
    batch_id = next(BATCH_IDS)
    totals = {}
    analytics.count(totals, 1, arrow(batch))
    before = mongo.read_analytics(mongo.database(MONGO))
    mongo.apply_totals(MONGO, totals, "q", batch_id)
    after = mongo.read_analytics(mongo.database(MONGO))
    for (coll, key), v in totals.items():
        was = before[coll].get(key, {"count": 0})["count"]
        assert after[coll].get(key, {"count": 0})["count"] == was + v["count"], (coll, key)
    mongo.apply_totals(MONGO, totals, "q", batch_id)  # the same micro-batch again: counted once
    assert mongo.read_analytics(mongo.database(MONGO)) == after
