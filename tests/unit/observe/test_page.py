"""The dashboard's page (userprofiles/observe/page.py), rendered from a Snapshot without a browser."""
from __future__ import annotations

import time
from collections import deque
from types import SimpleNamespace

from userprofiles.config.settings import ObserveSettings
from userprofiles.observe import figures, history, page
from userprofiles.observe.snapshot import RowCount, Snapshot


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
