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


def test_a_chart_title_counts_its_keys_in_words():
    from userprofiles.observe.figures import CollectionFigures

    one = charts.bar_chart(CollectionFigures("by_email_domain", 1, 294, [("example.com", 294)]), 15)
    many = charts.bar_chart(CollectionFigures("by_nationality", 21, 294, [(f"N{i}", 14) for i in range(15)]), 15)
    assert "(1 key, 294 profiles)" in one.layout.title.text
    assert "(top 15 of 21 keys, 294 profiles)" in many.layout.title.text
