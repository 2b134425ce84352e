"""The pure parts of `make status`, `make dlq` and the dashboard (userprofiles/observe), and the command-line
polish (help texts, progress lines of long install steps)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from userprofiles.consumer.consumer_group import BatchNote
from userprofiles.config.helpformat import DefaultsHelpFormatter
from userprofiles.observe import charts, dlq, figures, history, page, status
from userprofiles.observe import live as live_module
from userprofiles.observe.snapshot import RowCount, Snapshot
from userprofiles.config.options import consumer_parser, producer_parser
from userprofiles.consumer.progress_record import progress_doc
from userprofiles.config.settings import MongoSettings, ObserveSettings, redact_uri

ROOT = Path(__file__).resolve().parents[2]

# --- analytics figures -----------------------------------------------------------------------------------

def test_count_zero_documents_are_absent():
    docs = [{"_id": "a.com", "count": 4}, {"_id": "gone.com", "count": 0}, {"_id": "b.com", "count": 4},
            {"_id": "c.com", "count": 9}, {"_id": "d.com"}]
    f = figures.collection_figures("by_email_domain", docs, top=2)
    assert (f.keys, f.profiles) == (3, 17)
    assert f.bars == [("c.com", 9), ("a.com", 4)]     # top 2 by count, ties by key


def test_age_groups_are_drawn_in_age_order_with_empty_groups():
    docs = [{"_id": "65+", "count": 2}, {"_id": "18-24", "count": 5}, {"_id": "14-17", "count": 0}]
    f = figures.collection_figures("by_age_group", docs)
    assert f.bars == [("14-17", 0), ("18-24", 5), ("25-34", 0), ("35-44", 0), ("45-54", 0), ("55-64", 0), ("65+", 2)]
    assert (f.keys, f.profiles) == (2, 7)


def test_distinct_profiles_is_the_gender_total():
    figs = figures.all_collection_figures({"by_gender": [{"_id": "female", "count": 3}, {"_id": "male", "count": 2}],
                                           "by_nationality": [{"_id": "FR", "count": 5, "age_sum": 100}]})
    assert figures.distinct_profiles(figs) == 5
    assert figs["by_email_domain"].keys == 0


# --- lag, throughput, latency ----------------------------------------------------------------------------

def test_partition_lags_against_the_checkpoint():
    lags = figures.partition_lags({0: (0, 10), 1: (0, 7), 2: (4, 9)}, {0: 10, 1: 3})
    assert [(x.partition, x.end, x.committed, x.lag) for x in lags] == [(0, 10, 10, 0), (1, 7, 3, 4), (2, 9, None, 5)]
    assert [x.lag for x in figures.partition_lags({0: (2, 10)}, None)] == [8]


def _pt(t: float, rows: int, batch: int = 0, p50=None, p95=None):
    return history.Point(int(t * 1000), batch, rows, p50, p95)


def test_bucket_rates_count_each_batch_in_the_bucket_of_its_commit():
    pts = [_pt(105.0, 5), _pt(109.9, 15), _pt(125.0, 13), _pt(50.0, 99)]   # the last is before the window
    # now 128: buckets end at the next multiple of 10 (130), so 90-100, 100-110, 110-120, 120-130
    assert history.bucket_rates(pts, now=128.0, span=40, bucket=10) == [(90.0, 0.0), (100.0, 2.0), (110.0, 0.0),
                                                                         (120.0, 1.3)]


def test_latencies_are_per_batch_in_seconds_within_the_span():
    pts = [_pt(10, 1, 0, 1500, 3000), _pt(100, 1, 1, 200, None), _pt(110, 1, 2)]
    assert history.latencies(pts, now=120, span=60) == [(100.0, 0.2, None)]


def test_alive_is_a_recent_commit_or_no_lag():
    now = 1000.0
    assert history.alive(None, 5, now, 60) == history.Alive("unknown", "no micro-batch committed yet")
    assert history.alive(990_000, 50, now, 60) == history.Alive("ok", "last micro-batch 10 s ago")
    assert history.alive(800_000, 0, now, 60) == history.Alive("ok", "last micro-batch 3 min ago, caught up (idle)")
    assert history.alive(800_000, 1234, now, 60) == history.Alive(
        "stopped", "consumer stopped? 1,234 messages waiting, last micro-batch 3 min ago")
    assert history.alive(800_000, None, now, 60).state == "unknown"


def test_history_adds_only_newer_batches_and_forgets_the_old():
    h = history.History(keep=100)
    h.add([{"batch": 1, "committed_ms": 10_000, "rows": 3}, {"batch": 2, "committed_ms": 20_000, "rows": 4},
           {"batch": "x"}], now=50)
    assert h.after_ms == 20_000
    # read again from the newest commit time (inclusive): batch 2 comes back and is not added twice
    h.add([{"batch": 2, "committed_ms": 20_000, "rows": 4}, {"batch": 3, "committed_ms": 20_000, "rows": 1}], now=50)
    assert [p.batch for p in h.points] == [1, 2, 3]
    h.add([{"batch": 4, "committed_ms": 130_000, "rows": 1}], now=130)   # keep 100 s: 1, 2, 3 go
    assert [p.batch for p in h.points] == [4]
    assert [p.batch for p in h.since(now=130, span=10)] == [4]


def test_progress_document_of_a_micro_batch():
    note = BatchNote(7, 1_000, 30, 12.5, 40.0)
    assert progress_doc("q", note, {"written": 28, "dead_lettered": 2}, 900) == {
        "_id": "q:7", "query": "q", "batch": 7, "committed_ms": 1_000, "rows": 30, "written": 28,
        "dead_lettered": 2, "p50_ms": 12.5, "p95_ms": 40.0, "duration_ms": 900}


def test_keep_zoom_applies_the_users_x_range():
    import plotly.graph_objects as go

    fig = go.Figure()
    charts.keep_zoom(fig, {"xaxis.range[0]": "2026-01-01 10:00", "xaxis.range[1]": "2026-01-01 10:05"})
    assert list(fig.layout.xaxis.range) == ["2026-01-01 10:00", "2026-01-01 10:05"]
    fig = go.Figure()
    charts.keep_zoom(fig, {"xaxis.autorange": True})   # a double click: back to the whole window
    assert fig.layout.xaxis.range is None


def test_rate_from_samples():
    assert figures.rate_from_samples([(0, 100), (2, 110), (4, 110), (4, 120)]) == [(2, 5.0), (4, 0.0)]


# --- dead letters ----------------------------------------------------------------------------------------

def test_dead_letter_body_and_headers():
    body = {"reason": "missing login.uuid", "source_topic": "users_profiles", "source_partition": 2,
            "source_offset": 41, "source_timestamp_ms": 1764324000000, "payload_bytes": 321,
            "payload_redacted": '{"email":"***"}'}
    d = figures.decode_dead_letter(json.dumps(body).encode(), [("__connect.errors.offset", b"41"), ("x", None)],
                                   0, 7, 99)
    assert (d.reason, d.source_partition, d.source_offset, d.payload_bytes, d.payload_redacted) == \
        ("missing login.uuid", 2, 41, 321, '{"email":"***"}')
    assert d.headers == {"__connect.errors.offset": "41", "x": ""}
    assert (d.partition, d.offset, d.written_ms) == (0, 7, 99)


def test_unreadable_dead_letter_takes_the_reason_header():
    assert figures.decode_dead_letter(b"\xff{", [("reason", b"not UTF-8")], 0, 1).reason == "not UTF-8"
    assert figures.decode_dead_letter(b"[1]", None, 0, 1).reason == figures.UNREADABLE


def test_reason_counts_most_frequent_first():
    letters = [figures.decode_dead_letter(json.dumps({"reason": r}).encode(), None, 0, i)
               for i, r in enumerate(["b", "a", "b", "c", "a", "b"])]
    assert figures.reason_counts(letters) == [("b", 3), ("a", 2), ("c", 1)]


def test_dlq_render_counts_first_then_the_latest():
    letters = [figures.decode_dead_letter(json.dumps({"reason": f"r{i % 2}", "source_topic": "t",
                                                      "source_partition": 1, "source_offset": i}).encode(),
                                          [("reason", b"r")], 0, i, 1_764_324_000_000) for i in range(3)]
    out = dlq.render(letters, 3, "t_dlq", last=1, full=False).splitlines()
    assert out[:3] == ["t_dlq: 3 dead letters", "         2  r0", "         1  r1"]
    assert out[5] == "- 2025-11-28 10:00:00  r0  from t[1]@2  (dead letter 0:2)"
    assert out[6] == "    headers: reason=r"


# --- status text -----------------------------------------------------------------------------------------

def test_status_render_says_what_is_down_and_prints_the_rest():
    conf = ObserveSettings(mongo=MongoSettings(uri="mongodb://u:pw@db:27017/"))
    snap = Snapshot(taken_at=0.0, seconds=1.25, rows=RowCount(1_234_567, True, "estimate from table statistics"),
                    errors={"mongodb": "MongoDB at mongodb://u:***@db:27017/ does not answer (X); start it."},
                    lags=figures.partition_lags({0: (0, 5)}, {0: 2}), produced=5, dlq_total=0,
                    note=BatchNote(3, 0, 2))
    out = status.render(snap, conf)
    assert "read in 1.2s at 00:00:00 UTC" in out
    assert "usersprofilespace.users_profiles: 1,234,567 rows (estimate from table statistics)" in out
    assert re.search(r"^mongodb +mongodb://u:\*\*\*@db:27017/ +down +MongoDB at mongodb://u:\*\*\*@db:27017/ does not "
                     r"answer", out, re.M), out
    assert "pw" not in out
    assert "consumer lag on users_profiles: 3 messages" in out, out
    assert "consumer group users_profiles, last micro-batch 3 committed at 00:00:00 UTC" in out, out
    no_group = status.render(Snapshot(taken_at=0.0, lags=figures.partition_lags({0: (0, 5)}, None), produced=5,
                                      errors={"group": "the consumer group g has no offsets"}), conf)
    assert "consumer lag on users_profiles: unknown, the consumer group g has no offsets" in no_group


def test_redact_uri():
    assert redact_uri("mongodb://bob:secret@h:1/") == "mongodb://bob:***@h:1/"
    assert redact_uri("mongodb://h:1/") == "mongodb://h:1/"


# --- command-line polish ---------------------------------------------------------------------------------

@pytest.mark.parametrize("make_parser", [producer_parser, consumer_parser])
def test_help_shows_each_flags_env_and_default(make_parser, monkeypatch):
    monkeypatch.setenv("MONGO_URI", "mongodb://bob:s3cr%t@127.0.0.1:27017/")
    p = make_parser()
    text = " ".join(p.format_help().split())
    for action in p._actions:
        if action.option_strings and action.dest != "help":
            shown = DefaultsHelpFormatter("x")._get_help_string(action)
            assert "(env " in shown and "default: " in shown, action.dest
    assert "(env KAFKA_TOPIC, default: users_profiles)" in text
    assert "s3cr" not in text
    if make_parser is consumer_parser:
        assert "(env MONGO_URI, default: mongodb://bob:***@127.0.0.1:27017/)" in text
        assert "(env SPARK_AVAILABLE_NOW, default: off)" in text


def test_make_help_lists_every_target_with_a_line():
    out = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    targets = {line.split()[1] for line in out.splitlines()}
    phony = (ROOT / "Makefile").read_text().split(".PHONY:", 1)[1].splitlines()[0].split()
    assert targets == set(phony)
    assert all(len(line.split(None, 2)) == 3 for line in out.splitlines())


def test_long_steps_print_progress_and_their_duration():
    script = f'source {ROOT}/stack/lib.sh; with_progress "building something" sleep 2.5; echo rc=$?'
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30,
                         env={**os.environ, "PROGRESS_SECONDS": "1", "STACK_HOME": "/tmp/observe-test-stack"})
    assert out.stdout.strip() == "rc=0"
    assert "[stack] still building something (0m01s)\n[stack] still building something (0m02s)\n" in out.stderr
    assert "[stack] building something took 0m0" in out.stderr
    failing = subprocess.run(["bash", "-c", f'source {ROOT}/stack/lib.sh; set +e; with_progress x false; echo rc=$?'],
                             capture_output=True, text=True, timeout=30,
                             env={**os.environ, "STACK_HOME": "/tmp/observe-test-stack"})
    assert failing.stdout.strip() == "rc=1"


# --- the dashboard's page ----------------------------------------------------------------------------------

def _ids(component) -> dict:
    """id -> component, over a Dash component tree."""
    out = {}
    stack = [component]
    while stack:
        c = stack.pop()
        if isinstance(c, (list, tuple)):
            stack.extend(c)
            continue
        if getattr(c, "id", None):
            out[c.id] = c
        children = getattr(c, "children", None)
        if children is not None and not isinstance(children, (str, int, float)):
            stack.append(children)
    return out


def test_dashboard_page_puts_the_message_where_the_figures_of_a_down_store_were():
    from collections import deque
    from types import SimpleNamespace


    live = SimpleNamespace(conf=ObserveSettings(), refresh=5.0, top=15, produced=deque([(0.0, 10), (5.0, 20)]),
                           alive_seconds=60.0, history=history.History(), answering={"Spark UI": True},
                           links={"Spark UI": "http://127.0.0.1:4040", "kafka-ui": "http://127.0.0.1:8081"})
    message = "MongoDB at mongodb://127.0.0.1:27017/ does not answer (X); start it (make up) or fix MONGO_URI."
    snap = Snapshot(taken_at=time.time(), rows=RowCount(42, False, "SELECT count(*)"), errors={"mongodb": message},
                    lags=figures.partition_lags({0: (0, 5)}, {0: 5}), produced=20, dlq_total=0)
    top, _fig, bottom = page.render(snap, live, 10)
    ids = _ids(top + bottom)
    assert ids["down-analytics"].children == message and ids["down-mongodb"].children == message
    assert not [i for i in ids if i.startswith("chart-by_")]
    assert ids["total-profiles"].children == "—" and ids["total-rows"].children == "42"
    assert ids["total-lag"].children == "0"
    assert ids["alive"].children == "no micro-batch committed yet"
    assert ids["link-spark-ui"].href == "http://127.0.0.1:4040"
    assert ids["link-kafka-ui"].children == "kafka-ui: not running"

    snap.errors, snap.collections = {}, figures.all_collection_figures({"by_gender": [{"_id": "male", "count": 3}]})
    top, _fig, bottom = page.render(snap, live, 10)
    ids = _ids(top + bottom)
    assert "down-analytics" not in ids and ids["total-profiles"].children == "3"
    gender = ids["chart-by_gender"].figure
    assert list(gender.data[0].x) == ["male"] and list(gender.data[0].y) == [3]


def test_dashboard_reads_the_stores_only_while_a_page_is_open(monkeypatch):

    class CountingStores:
        reads = 0

        def snapshot(self, *args, **kw):
            CountingStores.reads += 1
            return Snapshot(taken_at=time.time())

    monkeypatch.setattr(live_module, "IDLE", 0.3)
    live = live_module.Live(ObserveSettings(), refresh=0.05, top=15)
    live.stores = CountingStores()
    live.start()
    try:
        assert live.current() is not None
        time.sleep(0.8)                       # past IDLE with no page asking: the reads stop
        idle_reads = CountingStores.reads
        time.sleep(0.5)
        assert CountingStores.reads == idle_reads
        before = time.time()
        snap = live.current()                 # a page again: a fresh read, then reads at the refresh pace
        assert snap.taken_at >= before
        time.sleep(0.2)
        assert CountingStores.reads >= idle_reads + 3
    finally:
        live.stop()


def test_the_listener_records_a_micro_batch_after_its_group_commit_only():
    from types import SimpleNamespace

    from userprofiles.consumer.progress import ProgressListener

    class Group:
        ok = True
        def commit(self, ends, note):   # noqa: E301
            return self.ok

    class Recorder:
        notes = []
        def record(self, note, stats, duration_ms):   # noqa: E301
            self.notes.append((note.batch, note.rows, duration_ms))

    group, recorder = Group(), Recorder()
    listener = ProgressListener(group=group, recorder=recorder)

    def progress(batch, end):
        src = SimpleNamespace(endOffset=json.dumps({"t": {"0": end}}), latestOffset=None)
        return SimpleNamespace(progress=SimpleNamespace(batchId=batch, sources=[src], numInputRows=5,
                                                        batchDuration=700))

    listener.onQueryProgress(progress(3, 10))
    listener.onQueryProgress(progress(4, 10))   # nothing new read: no commit, no record
    group.ok = False
    listener.onQueryProgress(progress(5, 15))   # the group commit failed: no record either
    assert recorder.notes == [(3, 5, 700)]
