"""`make status`'s text (userprofiles/observe/status.py)."""
from __future__ import annotations

import re

from userprofiles.config.settings import MongoSettings, ObserveSettings
from userprofiles.consumer.consumer_group import BatchNote
from userprofiles.observe import figures, status
from userprofiles.observe.snapshot import RowCount, Snapshot


def test_status_render_says_what_is_down_and_prints_the_rest():
    conf = ObserveSettings(mongo=MongoSettings(uri="mongodb://u:pw@db:27017/"))
    snap = Snapshot(taken_at=0.0, seconds=1.25, rows=RowCount(1_234_567, True, "estimate from table statistics"),
                    errors={"mongodb": "MongoDB at mongodb://u:***@db:27017/ does not answer (X); start it."},
                    lags=figures.partition_lags({0: (0, 5)}, {0: 2}), produced=5, dlq_total=0,
                    note=BatchNote(3, 0, 2))
    out = status.render(snap, conf)
    assert "read in 1.2s at 00:00:00 UTC" in out
    assert "usersprofilespace.users_profiles: 1,234,567 rows (estimate from table statistics)" in out
    assert re.search(r"^mongodb +db:27017 +down +MongoDB at mongodb://u:\*\*\*@db:27017/ does not "
                     r"answer", out, re.M), out
    assert "pw" not in out
    assert "consumer lag on users_profiles: 3 messages" in out, out
    assert "consumer group users_profiles, last micro-batch 3 committed at 00:00:00 UTC" in out, out
    no_group = status.render(Snapshot(taken_at=0.0, lags=figures.partition_lags({0: (0, 5)}, None), produced=5,
                                      errors={"group": "the consumer group g has no offsets"}), conf)
    assert "consumer lag on users_profiles: unknown, the consumer group g has no offsets" in no_group
