"""The sinks' replay guards on the real MongoDB-wire server: a batch applied again (after a crash between
the sink writes and Spark's commit) must change nothing, and a partly applied one must complete."""
import uuid

import pytest

from userprofiles.sinks.mongo import MongoConf, apply_totals, claim, database, read_analytics

from .harness import MONGO_URI


@pytest.fixture
def conf():
    c = MongoConf(MONGO_URI, "it_" + uuid.uuid4().hex[:10], retry_seconds=10, timeout_ms=5000)
    yield c
    database(c).client.drop_database(c.db)


TOTALS = {("by_gender", "male"): {"count": 3, "age_sum": 90}, ("by_gender", "female"): {"count": 1, "age_sum": 20},
          ("by_nationality", "FR"): {"count": 2, "age_sum": 50}, ("by_nationality", "GB"): {"count": 2, "age_sum": 60},
          ("by_email_domain", "example.com"): {"count": 4, "age_sum": 110}}


def test_a_replayed_batch_adds_nothing_and_a_later_batch_adds(conf):
    assert apply_totals(conf, TOTALS, "q-1", 0) == len(TOTALS)
    assert apply_totals(conf, TOTALS, "q-1", 0) == 0          # replay of batch 0
    assert apply_totals(conf, TOTALS, "q-1", 1) == len(TOTALS)  # batch 1 counts
    got = read_analytics(conf)
    assert got["by_gender"] == {"male": {"count": 6}, "female": {"count": 2}}
    assert got["by_nationality"]["FR"] == {"count": 4, "age_sum": 100}


def test_a_partly_applied_batch_completes_on_replay(conf):
    """The crash hit between two keys: the first ones were counted, the others not. The replay must add
    exactly the missing ones (FerretDB stops an unordered bulk at its first duplicate key, so the sink
    must not depend on it continuing)."""
    first = dict(sorted(TOTALS.items())[:2])
    apply_totals(conf, first, "q-1", 7)
    assert apply_totals(conf, TOTALS, "q-1", 7) == len(TOTALS) - len(first)
    got = read_analytics(conf)
    for (coll, key), v in TOTALS.items():
        assert got[coll][key]["count"] == v["count"], (coll, key)


def test_claims_of_a_crashed_attempt_count_for_that_batch_only(conf):
    profiles = [{"identifiant": str(uuid.uuid4()), "nationality": "FR", "gender": "male", "age": 30,
                 "domain_name": "example.com"} for _ in range(5)]
    assert len(claim(conf, profiles[:3], "q-1", 4)) == 3
    # Attempt 2 of batch 4 (the first crashed after claiming 3): all 5 are this batch's new profiles.
    assert len(claim(conf, profiles, "q-1", 4)) == 5
    # Batch 5 sees the same users again (a producer rerun): none is new.
    assert claim(conf, profiles, "q-1", 5) == []
