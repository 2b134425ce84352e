"""The dashboard's Plotly charts (userprofiles/observe/charts.py)."""
from __future__ import annotations

from userprofiles.observe import charts


def test_keep_zoom_applies_the_users_x_range():
    import plotly.graph_objects as go

    fig = go.Figure()
    charts.keep_zoom(fig, {"xaxis.range[0]": "2026-01-01 10:00", "xaxis.range[1]": "2026-01-01 10:05"})
    assert list(fig.layout.xaxis.range) == ["2026-01-01 10:00", "2026-01-01 10:05"]
    fig = go.Figure()
    charts.keep_zoom(fig, {"xaxis.autorange": True})   # a double click: back to the whole window
    assert fig.layout.xaxis.range is None
