"""The task side of the write protocol without servers: one Arrow batch of the state operator's output ->
what the row sinks write, the counts and the counter deltas; the task results' sums; the replay clock."""
import pyarrow as pa

from userprofiles.consumer import analytics
from userprofiles.consumer.write_protocol import TASK_COLUMNS, TaskResult, split

FR = {"nationality": "FR", "gender": "female", "domain_name": "a.fr", "age": 30}
GB = {"nationality": "GB", "gender": "male", "domain_name": "b.uk", "age": 40}
NO = {"nationality": "NO", "gender": "male", "domain_name": "c.no", "age": 50}
INT = {"age", "prev_age", "copies_valid", "copies_filtered", "partition"}
LONG = {"offset", "timestamp_ms"}


def out_row(action, ident, now=None, prev=None, valid=1, filtered=0, offset=0, **extra):
    r = dict.fromkeys(TASK_COLUMNS)
    r.update(action=action, identifiant=ident, copies_valid=valid, copies_filtered=filtered, topic="t", partition=0,
             offset=offset, timestamp_ms=1_000)
    r.update(now or {})
    if prev:
        r.update({f"prev_{k}": v for k, v in prev.items()})
    r.update(extra)
    return r


def arrow(rows):
    def typ(c):
        return pa.int32() if c in INT else pa.int64() if c in LONG else pa.binary() if c == "value" else pa.string()
    return pa.RecordBatch.from_pydict({c: pa.array([r[c] for r in rows], type=typ(c)) for c in TASK_COLUMNS})


def test_a_batch_splits_into_upserts_deletes_and_dead_records_with_their_deltas():
    rows = [out_row("upsert", "new", FR), out_row("upsert", "changed", GB, prev=FR, valid=2),
            out_row("delete", "now-13", prev=NO, valid=0, filtered=1), out_row("minor", "never-counted", valid=0,
                                                                                 filtered=1),
            out_row("stale", "older", valid=1), out_row("dead", None, valid=0, reason="invalid email", offset=7,
                                                        value=b"x")]
    writes, res = split(arrow(rows), "q", 3)
    assert writes.upserts.column("identifiant").to_pylist() == ["new", "changed"] and writes.deletes == ["now-13"]
    assert writes.upserts.column("nationality").to_pylist() == ["FR", "GB"]
    assert [(d.reason, d.offset, d.value) for d in writes.dead] == [("invalid email", 7, b"x")]
    assert (writes.query_id, writes.batch_id) == ("q", 3)
    assert {k: res.counts[k] for k in ("valid", "filtered", "dead", "stale")} == \
        {"valid": 4, "filtered": 2, "dead": 1, "stale": 1}
    # new: +FR; changed: +GB -FR; now-13: -NO.
    attrs = {k: analytics.attributes(*(v[c] for c in ("nationality", "gender", "domain_name", "age")))
             for k, v in (("FR", FR), ("GB", GB), ("NO", NO))}
    assert res.deltas == analytics.merge([analytics.delta(attrs["GB"], None), analytics.delta(None, attrs["NO"])])
    assert res.deltas[("by_nationality", "NO")] == {"count": -1, "age_sum": -50}
    assert len(res.latencies_ms) == 2


def test_an_empty_batch_writes_nothing():
    writes, res = split(arrow([]), "q", 0)
    assert (writes.upserts.num_rows, writes.deletes, writes.dead, res.deltas) == (0, [], [], {})


def test_task_results_sum_and_cross_the_json_boundary():
    a, b = TaskResult(), TaskResult()
    a.counts["written"], b.counts["written"] = 2, 3
    a.deltas = {("by_gender", "male"): {"count": 1, "age_sum": 0}}
    b.deltas = {("by_gender", "male"): {"count": -1, "age_sum": 0}, ("by_gender", "f"): {"count": 1, "age_sum": 0}}
    total = TaskResult.total([TaskResult.from_json(a.to_json()), TaskResult.from_json(b.to_json())])
    assert total.counts["written"] == 5
    assert total.deltas == {("by_gender", "f"): {"count": 1, "age_sum": 0}}  # keys that net to 0 are left out
