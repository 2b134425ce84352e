"""The sinks' replay guards on the real MongoDB-wire server: a batch applied again (after a crash between
the sink writes and Spark's commit) must change nothing, and a partly applied one must complete."""
import uuid
from dataclasses import replace

import pytest

from tests.support.addresses import SETTINGS
from userprofiles.sinks.mongo import apply_totals, database, read_analytics


@pytest.fixture
def conf():
    c = replace(SETTINGS.mongo, db="it_" + uuid.uuid4().hex[:10], retry_seconds=10, connect_timeout=5)
    yield c
    database(c).client.drop_database(c.db)


TOTALS = {("by_gender", "male"): {"count": 3, "age_sum": 90}, ("by_gender", "female"): {"count": 1, "age_sum": 20},
          ("by_nationality", "FR"): {"count": 2, "age_sum": 50}, ("by_nationality", "GB"): {"count": 2, "age_sum": 60},
          ("by_email_domain", "example.com"): {"count": 4, "age_sum": 110}}


def test_a_replayed_batch_adds_nothing_and_a_later_batch_adds(conf):
    assert apply_totals(conf, TOTALS, "q-1", 0) == len(TOTALS)
    assert apply_totals(conf, TOTALS, "q-1", 0) == 0          # replay of batch 0
    assert apply_totals(conf, TOTALS, "q-1", 1) == len(TOTALS)  # batch 1 counts
    got = read_analytics(database(conf))
    assert got["by_gender"] == {"male": {"count": 6}, "female": {"count": 2}}
    assert got["by_nationality"]["FR"] == {"count": 4, "age_sum": 100}
    # Deltas go down as well as up, and a key at 0 reads as absent.
    assert apply_totals(conf, {("by_gender", "female"): {"count": -2, "age_sum": 0}}, "q-1", 2) == 1
    assert "female" not in read_analytics(database(conf))["by_gender"]


def test_a_partly_applied_batch_completes_on_replay(conf):
    """The crash hit between two keys: the first ones were counted, the others not. The replay must add
    exactly the missing ones (FerretDB stops an unordered bulk at its first duplicate key, so the sink
    must not depend on it continuing)."""
    first = dict(sorted(TOTALS.items())[:2])
    apply_totals(conf, first, "q-1", 7)
    assert apply_totals(conf, TOTALS, "q-1", 7) == len(TOTALS) - len(first)
    got = read_analytics(database(conf))
    for (coll, key), v in TOTALS.items():
        assert got[coll][key]["count"] == v["count"], (coll, key)
