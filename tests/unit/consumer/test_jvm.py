"""The per-profile state operator (jvm.profile_changes) in real micro-batches of a streaming query, without
Kafka: each micro-batch is a file of classified records (transform.SINK_COLUMNS) read by a file stream, one
file per micro-batch, the state in RocksDB in the test's checkpoint. What must hold: the latest copy of a
profile (Kafka timestamp, then partition, then offset) wins in every order of arrival, whatever it holds,
and the counter deltas the output implies always sum to the analytics of the latest copies."""
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from userprofiles.consumer import jvm
from userprofiles.consumer.transform import SINK_COLUMNS
from userprofiles.domain import analytics
from userprofiles.domain.profile import SEED_SCHEMA

TYPES = {"age": "int", "partition": "int", "offset": "bigint", "timestamp_ms": "bigint", "value": "binary"}
SINK_SCHEMA = ", ".join(f"{c} {TYPES.get(c, 'string')}" for c in SINK_COLUMNS)

A, B, C = "0a1b2c3d-0000-4000-8000-00000000000a", "0a1b2c3d-0000-4000-8000-00000000000b", \
    "0a1b2c3d-0000-4000-8000-00000000000c"


def copy(ident, ts, partition, offset, *, status="valid", nat="FR", gender="female", domain="a.fr", age=30):
    """A classified record: one copy of a profile (or a dead record) at a Kafka position."""
    r = dict.fromkeys(SINK_COLUMNS)
    r.update(status=status, identifiant=ident, nationality=nat, gender=gender, domain_name=domain, age=age,
             full_name=f"{nat}-{gender}-{age}", topic="t", partition=partition, offset=offset, timestamp_ms=ts)
    if status == "dead":
        r.update(reason="invalid email", identifiant=None, value=None)
    return r


class Stream:
    """A streaming query of the operator over a folder: each `batch(...)` is one micro-batch, and returns the
    operator's output rows for it (as dicts)."""

    def __init__(self, spark, tmp_path, seed=()):
        self.spark, self.src, self.ckpt = spark, tmp_path / "in", tmp_path / "checkpoint"
        self.src.mkdir()
        self.seed = spark.createDataFrame(list(seed), SEED_SCHEMA)
        self.n = 0

    def batch(self, *records) -> list[dict]:
        (self.src / f"{self.n:04d}.json").write_text("".join(json.dumps(r) + "\n" for r in records))
        self.n += 1
        out = []
        records_df = self.spark.readStream.schema(SINK_SCHEMA).option("maxFilesPerTrigger", 1).json(str(self.src))
        q = (jvm.profile_changes(records_df, self.seed).writeStream
             .option("checkpointLocation", str(self.ckpt)).trigger(availableNow=True)
             .foreachBatch(lambda df, _id: out.extend(r.asDict() for r in df.collect())).start())
        q.awaitTermination(120)
        q.stop()
        return out


@pytest.fixture
def stream(spark, tmp_path):
    spark.conf.set("spark.sql.streaming.stateStore.providerClass",
                   "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider")
    return lambda seed=(): Stream(spark, tmp_path, seed)


def by_id(rows):
    return {r["identifiant"]: r for r in rows if r["action"] != "dead"}


def test_a_new_profile_is_upserted_and_a_newer_copy_carries_what_it_counted_before(stream):
    s = stream()
    (row,) = s.batch(copy(A, 100, 0, 1))
    assert (row["action"], row["prev_age"], row["copies_valid"]) == ("upsert", None, 1)
    (row,) = s.batch(copy(A, 200, 1, 1, nat="GB", gender="male", age=41))
    assert (row["action"], row["nationality"], row["prev_nationality"], row["prev_gender"], row["prev_age"]) == \
        ("upsert", "GB", "FR", "female", 30)


def test_an_older_copy_after_a_newer_one_is_stale_in_a_later_batch_and_loses_in_the_same_batch(stream):
    s = stream()
    assert by_id(s.batch(copy(A, 200, 0, 5, nat="GB")))[A]["action"] == "upsert"
    assert by_id(s.batch(copy(A, 100, 2, 9, nat="FR")))[A]["action"] == "stale"
    # In one micro-batch: the latest wins whatever the order in the file; the other copies are counted.
    row = by_id(s.batch(copy(A, 300, 1, 1, nat="NO"), copy(A, 250, 2, 7, nat="BR")))[A]
    assert (row["nationality"], row["prev_nationality"], row["copies_valid"]) == ("NO", "GB", 2)


def test_the_version_is_timestamp_then_partition_then_offset(stream):
    s = stream()
    rows = by_id(s.batch(copy(A, 100, 2, 1, nat="P2"), copy(A, 100, 1, 999, nat="P1"),
                         copy(B, 100, 3, 5, nat="O5"), copy(B, 100, 3, 6, nat="O6")))
    assert (rows[A]["nationality"], rows[B]["nationality"]) == ("P2", "O6")


def test_a_profile_that_becomes_13_is_deleted_and_no_older_copy_brings_it_back(stream):
    s = stream()
    s.batch(copy(A, 100, 0, 1))
    row = by_id(s.batch(copy(A, 200, 0, 2, status="filtered", age=13)))[A]
    assert (row["action"], row["prev_nationality"], row["prev_age"]) == ("delete", "FR", 30)
    assert by_id(s.batch(copy(A, 150, 1, 1)))[A]["action"] == "stale"


def test_a_minor_seen_first_keeps_its_version_so_an_older_adult_copy_is_stale(stream):
    """The newer copy is never stored (13 or younger): the state still knows its version."""
    s = stream()
    assert by_id(s.batch(copy(A, 200, 0, 2, status="filtered", age=12)))[A]["action"] == "minor"
    assert by_id(s.batch(copy(A, 100, 3, 7)))[A]["action"] == "stale"
    assert by_id(s.batch(copy(A, 300, 0, 9)))[A]["action"] == "upsert"


def test_dead_records_pass_through_and_touch_no_state(stream):
    s = stream()
    rows = s.batch(copy(None, 1, 0, 1, status="dead"), copy(A, 5, 0, 2), copy(None, 1, 0, 3, status="dead"))
    assert sorted(r["action"] for r in rows) == ["dead", "dead", "upsert"]
    assert all(r["reason"] == "invalid email" for r in rows if r["action"] == "dead")


def test_a_seeded_profile_is_older_than_any_copy(stream):
    s = stream(seed=[(A, "FR", "female", "a.fr", 30), (B, "GB", "male", "b.uk", 50)])
    rows = by_id(s.batch(copy(A, 1, 0, 0, nat="NO", age=31), copy(B, 1, 0, 1, status="filtered", age=10)))
    assert (rows[A]["action"], rows[A]["prev_nationality"], rows[A]["prev_age"]) == ("upsert", "FR", 30)
    assert (rows[B]["action"], rows[B]["prev_nationality"]) == ("delete", "GB")


def _attrs(r, prefix=""):
    if r[prefix + "age"] is None:
        return None
    return analytics.attributes(r[prefix + "nationality"], r[prefix + "gender"], r[prefix + "domain_name"],
                                r[prefix + "age"])


def _apply(totals, rows):
    """The counter deltas the operator's output implies, added to TOTALS (what write_protocol.split does)."""
    for r in rows:
        if r["action"] in ("upsert", "delete"):
            new = _attrs(r) if r["action"] == "upsert" else None
            for k, v in analytics.delta(new, _attrs(r, "prev_")).items():
                t = totals.setdefault(k, {"count": 0, "age_sum": 0})
                t["count"] += v["count"]
                t["age_sum"] += v["age_sum"]


versions = st.tuples(st.integers(1, 4), st.integers(0, 2), st.integers(0, 3))  # few values: many ties


@st.composite
def histories(draw):
    """Copies of 3 profiles at distinct Kafka positions (some minors, some with other attributes), sent in a
    random order, cut into random micro-batches."""
    copies, seen = [], set()
    for _ in range(draw(st.integers(1, 14))):
        ident, (ts, part, off) = draw(st.sampled_from((A, B, C))), draw(versions)
        if (part, off) in seen:
            continue
        seen.add((part, off))
        minor = draw(st.integers(0, 3)) == 0
        age = 11 if minor else draw(st.integers(14, 90))
        copies.append(copy(ident, ts, part, off, status="filtered" if minor else "valid",
                           nat=draw(st.sampled_from(("FR", "GB"))), gender=draw(st.sampled_from(("female", "male"))),
                           domain=draw(st.sampled_from(("a.fr", "b.uk"))), age=age))
    order = draw(st.permutations(copies))
    cuts = sorted(draw(st.sets(st.integers(1, max(len(order) - 1, 1)), max_size=3)))
    return [order[a:b] for a, b in zip([0, *cuts], [*cuts, len(order)], strict=True) if order[a:b]]


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(histories())
def test_in_any_order_and_any_cut_the_latest_copy_wins_and_the_deltas_sum_to_it(spark, tmp_path_factory, batches):
    s = Stream(spark, tmp_path_factory.mktemp("history"))
    totals, last_action = {}, {}
    for batch in batches:
        rows = s.batch(*batch)
        _apply(totals, rows)
        last_action.update({r["identifiant"]: r for r in rows if r["action"] in ("upsert", "delete", "minor")})
    latest = {}
    for c in (c for b in batches for c in b):
        cur = latest.get(c["identifiant"])
        if cur is None or (c["timestamp_ms"], c["partition"], c["offset"]) > \
                (cur["timestamp_ms"], cur["partition"], cur["offset"]):
            latest[c["identifiant"]] = c
    # The last write of each profile is its latest copy: an upsert when it counts, else no row.
    for ident, c in latest.items():
        want = "upsert" if c["status"] == "valid" else ("delete", "minor")
        assert last_action[ident]["action"] in want, (ident, c, last_action[ident])
        if c["status"] == "valid":
            assert last_action[ident]["full_name"] == c["full_name"]
    want_totals = analytics.merge(analytics.delta(_attrs(c), None) for c in latest.values() if c["status"] == "valid")
    nonzero = {k: v for k, v in totals.items() if v["count"] or v["age_sum"]}
    assert nonzero == want_totals
