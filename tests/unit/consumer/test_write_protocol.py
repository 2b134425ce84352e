"""The write protocol without servers: one Arrow batch of the state operator's output -> what every sink is
given and the protocol's counts; the task results' sums across the JSON boundary; the sinks' commits on the
driver, their counts namespaced by the sink. And a sink of a test's own (tests/support/jsonl_sink.py), given
to the protocol as the registry gives its own: one file and one line."""
import json

import pyarrow as pa

from tests.support.jsonl_sink import JsonLinesSettings, JsonLinesSink
from userprofiles.config.options import consumer_parser, consumer_settings
from userprofiles.consumer.write_protocol import TASK_COLUMNS, MicroBatchWriter, TaskResult, split, write_task
from userprofiles.domain import analytics
from userprofiles.domain.profile import PREVIOUS, PROFILE_COLUMNS
from userprofiles.sinks import Batch, CommitMessage, StreamSink, TaskRows
from userprofiles.sinks.mongo import AnalyticsSink
from userprofiles.sinks.registry import SINKS

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


ROWS = [out_row("upsert", "new", FR), out_row("upsert", "changed", GB, prev=FR, valid=2),
        out_row("delete", "now-13", prev=NO, valid=0, filtered=1),
        out_row("minor", "never-counted", valid=0, filtered=1), out_row("stale", "older", valid=1),
        out_row("dead", None, valid=0, reason="invalid email", offset=7, value=b"x")]


def test_a_batch_splits_into_upserts_deletes_and_dead_records_with_the_protocol_s_counts():
    rows, res = split(arrow(ROWS), 3)
    assert rows.batch_id == 3
    assert rows.upserts.column("identifiant").to_pylist() == ["new", "changed"]
    assert rows.upserts.schema.names == [*PROFILE_COLUMNS, *PREVIOUS]
    assert rows.deletes.to_pylist() == [{"identifiant": "now-13", **{f"prev_{k}": v for k, v in NO.items()}}]
    assert [(d.reason, d.offset, d.value) for d in rows.dead] == [("invalid email", 7, b"x")]
    assert res.counts == {"valid": 4, "filtered": 2, "dead": 1, "stale": 1}
    assert len(res.latencies_ms) == 2


def test_the_analytics_sink_counts_each_change_once():
    """new: +FR; changed: +GB -FR; now-13: -NO; the minor, the stale copy and the dead letter: nothing."""
    rows, _ = split(arrow(ROWS), 3)
    msg = AnalyticsSink(settings=None).write(rows)
    got = {(c, k): v for c, k, v in msg.data}
    attrs = {k: analytics.attributes(*(v[c] for c in ("nationality", "gender", "domain_name", "age")))
             for k, v in (("FR", FR), ("GB", GB), ("NO", NO))}
    assert got == analytics.merge([analytics.delta(attrs["GB"], None), analytics.delta(None, attrs["NO"])])
    assert got[("by_nationality", "NO")] == {"count": -1, "age_sum": -50}


def test_an_empty_batch_gives_empty_rows():
    rows, res = split(arrow([]), 0)
    assert (rows.upserts.num_rows, rows.deletes.num_rows, rows.dead, sum(res.counts.values())) == (0, 0, [], 0)


def test_task_results_sum_and_cross_the_json_boundary():
    a, b = TaskResult(), TaskResult()
    a.counts["valid"], b.counts["valid"] = 2, 3
    a.messages = {"profiles": [CommitMessage({"written": 2})]}
    b.messages = {"profiles": [CommitMessage({"written": 3})], "analytics": [CommitMessage(data=[["c", "k", {}]])]}
    total = TaskResult.total([TaskResult.from_json(a.to_json()), TaskResult.from_json(b.to_json())])
    assert total.counts["valid"] == 5
    assert [m.counts for m in total.messages["profiles"]] == [{"written": 2}, {"written": 3}]
    assert total.messages["analytics"][0].data == [["c", "k", {}]]


class _Counting(StreamSink):
    """A sink that counts what it is given, to watch the protocol call it."""
    name, section = "counting", "kafka"
    calls: list = []

    def open(self):
        self.calls.append("open")

    def write(self, rows: TaskRows) -> CommitMessage:
        self.calls.append("write")
        return CommitMessage({"written": rows.upserts.num_rows})

    def close(self):
        self.calls.append("close")


class _Rows:
    def __init__(self, text):
        self.result = text


def test_every_sink_writes_in_the_task_and_commits_on_the_driver_its_counts_named_by_it(monkeypatch, tmp_path):
    """Two sinks that both count "written" keep their own figures (profiles.written is not the other's)."""
    from userprofiles import internals

    monkeypatch.setattr(internals, "task_batch_id", lambda: 3)
    monkeypatch.setattr(internals, "checkpoint_query_id", lambda _c: "q")
    settings = consumer_settings(consumer_parser({}).parse_args(["--checkpoint", str(tmp_path)]))
    _Counting.calls = []
    task = write_task(settings, [_Counting])
    out = next(task([arrow(ROWS), arrow(ROWS[:1])]))
    assert _Counting.calls == ["open", "write", "write", "close"]
    writer = MicroBatchWriter(settings, sinks=[_Counting])

    class Results:
        def collect(self):
            return [_Rows(out.column("result")[0].as_py())] * 2   # two tasks, the same share each

    writer(Results(), 3)
    assert writer.totals["counting.written"] == 2 * (2 + 1) and writer.totals["valid"] == 2 * (4 + 1)


def test_a_new_sink_is_one_file_and_one_registration_line(tmp_path, monkeypatch):
    """tests/support/jsonl_sink.py is a whole sink: its settings and options, its writes, its commit. Registered
    as the registry registers its own (the tuple of classes), the consumer's parser takes its options, the
    settings carry its section, the tasks write its files and the driver commits them: nothing else changes."""
    from userprofiles import internals

    sinks = (*SINKS, JsonLinesSink)      # the one line
    monkeypatch.setattr(internals, "task_batch_id", lambda: 7)
    monkeypatch.setattr(internals, "checkpoint_query_id", lambda _c: "q")
    args = consumer_parser({}, sinks=sinks).parse_args(["--jsonl-folder", str(tmp_path / "out"),
                                                        "--checkpoint", str(tmp_path / "ckpt")])
    settings = consumer_settings(args, sinks=sinks)
    assert settings.section("jsonl") == JsonLinesSettings(folder=str(tmp_path / "out"))
    rows, _ = split(arrow(ROWS), 7)
    sink = JsonLinesSink.from_settings(settings)
    sink.open()
    msg = sink.write(rows)
    sink.close()
    counts = sink.commit([CommitMessage.from_json(msg.to_json())], Batch("q", 7))
    assert counts == {"rows": 2, "files": 1}
    written = [json.loads(line) for line in (tmp_path / "out" / "batch-7.jsonl").read_text().splitlines()]
    assert [r["identifiant"] for r in written] == ["new", "changed"]
