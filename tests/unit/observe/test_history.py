"""The consumer's micro-batch history (userprofiles/observe/history.py): rates per bucket, latencies,
whether the consumer looks alive, and the points kept."""
from __future__ import annotations

from userprofiles.observe import history


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
