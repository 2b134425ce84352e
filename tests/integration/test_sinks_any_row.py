"""Generated rows (any Unicode, sizes up to the limits) through the real Cassandra writer, and their values as
MongoDB counter keys: each row is stored exactly or refused with a reason, never failing the others, and
every text the table can store is a key the analytics store as it is."""
import itertools
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.addresses import CASSANDRA_PORT, MONGO_URI
from tests.support.clients import cassandra_session
from userprofiles import analytics
from userprofiles.schema import PROFILE_COLUMNS
from userprofiles.settings import CassandraSettings, MongoSettings
from userprofiles.sinks import cassandra, mongo
from userprofiles.transform import MAX_TEXT

KEYSPACE = "it_anyrow_" + uuid.uuid4().hex[:8]
CASS = CassandraSettings(hosts=("127.0.0.1",), port=CASSANDRA_PORT, keyspace=KEYSPACE, table="users_profiles",
                         retry_seconds=30)
MONGO = MongoSettings(uri=MONGO_URI, db=KEYSPACE, retry_seconds=30)
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))

# Any code point, lone surrogates included (a JVM string can hold one; neither store can take it).
any_char = st.characters(min_codepoint=0, max_codepoint=0x10FFFF)
wide = st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF)  # 4 bytes in UTF-8
texts = st.one_of(st.text(any_char, max_size=40), st.text(wide, min_size=MAX_TEXT - 5, max_size=MAX_TEXT),
                  st.builds(lambda c, n: c * n, wide, st.integers(MAX_TEXT - 2, MAX_TEXT)))


@st.composite
def rows(draw):
    t = {c: draw(texts) for c in ("title", "full_name", "gender", "username", "domain_name", "inscription",
                                  "nationality")}
    return (str(uuid.uuid4()), t["title"], t["full_name"], t["gender"], t["username"], t["domain_name"],
            "e" * 64, "p" * 64, "a" * 64, draw(st.integers(14, 120)), t["inscription"], t["nationality"])


def encodable(row) -> bool:
    try:
        for v in row:
            if isinstance(v, str):
                v.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


@pytest.fixture(scope="module", autouse=True)
def keyspace():
    cassandra.ensure_schema(CASS)  # replication factor 1: SimpleStrategy
    yield
    cassandra_session().execute(f"DROP KEYSPACE IF EXISTS {KEYSPACE}", timeout=60)
    mongo.database(MONGO).client.drop_database(KEYSPACE)


@SETTINGS
@given(st.lists(rows(), min_size=1, max_size=60))
def test_every_row_is_stored_exactly_or_refused_alone(batch):
    res = cassandra.write_rows(CASS, batch)
    want_refused = {i for i, r in enumerate(batch) if not encodable(r)}
    assert set(res.refused) == want_refused, res.refused
    assert all(why.startswith("Cassandra") for why in res.refused.values())
    assert res.written == len(batch) - len(want_refused)
    ids = ", ".join(r[0] for i, r in enumerate(batch))
    stored = {str(r.identifiant): r for r in cassandra_session().execute(
        f"SELECT * FROM {KEYSPACE}.users_profiles WHERE identifiant IN ({ids})", timeout=60)}
    assert set(stored) == {r[0] for i, r in enumerate(batch) if i not in want_refused}
    for r in batch:
        if r[0] in stored:
            assert tuple(getattr(stored[r[0]], c) if c != "identifiant" else str(stored[r[0]].identifiant)
                         for c in PROFILE_COLUMNS) == r


BATCH_IDS = itertools.count()  # each example is the next micro-batch


@SETTINGS
@given(st.lists(rows(), min_size=1, max_size=40))
def test_every_stored_value_is_a_counter_key_as_it_is(batch):
    """The plan lets through only rows the table stores; their gender, nationality and domain are the keys."""
    batch_id = next(BATCH_IDS)
    ok = [r for r in batch if encodable(r)]
    totals = {}
    analytics.count(totals, 1, [r[11] for r in ok], [r[3] for r in ok], [r[5] for r in ok], [r[9] for r in ok])
    before = mongo.read_analytics(MONGO)
    mongo.apply_totals(MONGO, totals, "q", batch_id)
    after = mongo.read_analytics(MONGO)
    for (coll, key), v in totals.items():
        was = before[coll].get(key, {"count": 0})["count"]
        assert after[coll].get(key, {"count": 0})["count"] == was + v["count"], (coll, key)
    mongo.apply_totals(MONGO, totals, "q", batch_id)  # the same micro-batch again: counted once
    assert mongo.read_analytics(MONGO) == after
