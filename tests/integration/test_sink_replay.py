"""The sinks' replay guards on the real MongoDB-wire server: a batch applied again (after a crash between
the sink writes and Spark's commit) must change nothing, and a partly applied one must complete."""
import uuid

import pytest

from tests.support.addresses import MONGO_URI
from userprofiles.settings import MongoSettings
from userprofiles.sinks.mongo import (
    Candidate,
    apply_totals,
    database,
    load_claims,
    plan_claims,
    read_analytics,
    restore_claims,
    write_claims,
)


@pytest.fixture
def conf():
    c = MongoSettings(uri=MONGO_URI, db="it_" + uuid.uuid4().hex[:10], retry_seconds=10, connect_timeout=5)
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
    # Deltas go down as well as up, and a key at 0 reads as absent.
    assert apply_totals(conf, {("by_gender", "female"): {"count": -2, "age_sum": 0}}, "q-1", 2) == 1
    assert "female" not in read_analytics(conf)["by_gender"]


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


FR = {"nat": "FR", "gender": "female", "age_group": "25-34", "domain": "a.fr", "age": 30}
GB = {"nat": "GB", "gender": "male", "age_group": "35-44", "domain": "b.uk", "age": 40}


def _claims(conf, cands, query, batch):
    plan = plan_claims(cands, load_claims(conf, [c.identifiant for c in cands]), query, batch)
    assert write_claims(conf, plan, query, batch) == {}
    return {c.candidate.identifiant: c for c in plan}


def test_claims_follow_the_latest_copy_and_a_crashed_attempt_replays_the_same_deltas(conf):
    ids = [str(uuid.uuid4()) for _ in range(3)]
    first = _claims(conf, [Candidate(i, (10, 0, n), FR) for n, i in enumerate(ids)], "q-1", 4)
    assert {c.action for c in first.values()} == {"new"}
    # Batch 5: ids[0] comes back changed, ids[1] as an older copy (another partition, earlier time).
    cands = [Candidate(ids[0], (20, 1, 0), GB), Candidate(ids[1], (5, 2, 99), GB)]
    second = _claims(conf, cands, "q-1", 5)
    assert (second[ids[0]].action, second[ids[1]].action) == ("newer", "stale")
    # The attempt crashed after its claims: the replay of batch 5 finds them and gives the same deltas.
    replay = {c.candidate.identifiant: c for c in
              plan_claims(cands, load_claims(conf, [c.identifiant for c in cands]), "q-1", 5)}
    assert replay[ids[0]].action == "replay"
    assert (replay[ids[0]].attrs, replay[ids[0]].prev_attrs) == (second[ids[0]].attrs, second[ids[0]].prev_attrs)
    # A row Cassandra refused puts its claim back: the profile counts as before.
    restore_claims(conf, [second[ids[0]]])
    back = load_claims(conf, [ids[0]])[ids[0]]
    assert back["attrs"] == FR and back["batch_id"] == 4


def test_new_profiles_are_claimed_by_insert_and_the_others_come_back_to_be_planned(conf):
    from userprofiles.sinks.mongo import BULK_CHUNK, insert_new_claims

    old = [str(uuid.uuid4()) for _ in range(2)]
    _claims(conf, [Candidate(i, (10, 0, n), FR) for n, i in enumerate(old)], "q-1", 1)
    new = [str(uuid.uuid4()) for _ in range(BULK_CHUNK + 5)]  # more than one request
    bad = str(uuid.uuid4())  # a key MongoDB cannot store: refused alone, its chunk still inserted
    cands = ([Candidate(i, (20, 0, n), GB) for n, i in enumerate(new)] + [Candidate(old[0], (30, 0, 0), GB)]
             + [Candidate(bad, (20, 0, 99), {**GB, "domain": "a\udcff.uk"})] + [Candidate(old[1], (1, 0, 0), GB)])
    made, refused, existing = insert_new_claims(conf, cands, "q-1", 2)
    assert {c.candidate.identifiant for c in made} == set(new)
    assert {c.action for c in made} == {"new"} and all(c.prev_attrs is None for c in made)
    assert set(refused) == {bad} and "encode" in refused[bad]
    assert {c.identifiant for c in existing} == set(old)
    planned = {c.candidate.identifiant: c.action for c in
               plan_claims(existing, load_claims(conf, [c.identifiant for c in existing]), "q-1", 2)}
    assert planned == {old[0]: "newer", old[1]: "stale"}
    # The attempt is retried (a lost reply): its own inserts come back as existing, planned as replays.
    made2, refused2, existing2 = insert_new_claims(conf, [c for c in cands if c.identifiant in new], "q-1", 2)
    assert made2 == [] and refused2 == {}
    replayed = plan_claims(existing2, load_claims(conf, [c.identifiant for c in existing2]), "q-1", 2)
    assert {c.action for c in replayed} == {"replay"}
    assert all((c.attrs, c.prev_attrs) == (GB, None) for c in replayed)
