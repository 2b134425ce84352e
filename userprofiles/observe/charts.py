"""The dashboard's Plotly charts: a bar chart per analytics collection, and the throughput and latency
series over a chosen window."""
from __future__ import annotations

from userprofiles.observe import figures, history
from userprofiles.observe.live import Live
from userprofiles.observe.snapshot import Snapshot


def bar_chart(f: figures.CollectionFigures, top: int):
    import plotly.graph_objects as go

    keys = [k for k, _ in f.bars]
    values = [v for _, v in f.bars]
    horizontal = f.name in ("by_nationality", "by_email_domain")
    if horizontal:   # the largest on top
        keys, values = keys[::-1], values[::-1]
    bar = go.Bar(x=values if horizontal else keys, y=keys if horizontal else values,
                 orientation="h" if horizontal else "v", text=[f"{v:,}" for v in values],
                 textposition="outside", textangle=0, cliponaxis=False, marker_color="#3b6ea5",
                 hovertemplate="%{y}: %{x:,}<extra></extra>"
                 if horizontal else "%{x}: %{y:,}<extra></extra>")
    held = f"{f.keys:,} key{'' if f.keys == 1 else 's'}"
    shown = f"top {len(f.bars)} of {held}" if horizontal and f.keys > len(f.bars) else held
    fig = go.Figure(bar)
    fig.update_layout(title=f"{figures.TITLES[f.name]} ({shown}, {f.profiles:,} profiles)", title_font_size=14,
                      margin=dict(l=10, r=10, t=40, b=10), height=max(260, 22 * len(keys) + 80) if horizontal
                      else 300, template="plotly_white", uirevision=f.name)
    room = [0, max(values + [1]) * 1.15]   # for the figures written past the end of each bar
    if not horizontal:
        fig.update_xaxes(type="category", categoryorder="array", categoryarray=keys)
        fig.update_yaxes(range=room)
    else:
        fig.update_yaxes(type="category", categoryorder="array", categoryarray=keys)
        fig.update_xaxes(range=room)
    return fig


def series_chart(snap: Snapshot, live: Live, window: str):
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    span, bucket = history.WINDOWS[window]
    now = snap.taken_at
    points = live.history.since(now, span)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.08, subplot_titles=(
        f"Messages per second (last {window}, per {_span(bucket)})",
        f"End-to-end latency per micro-batch, s (last {window})"))
    consumed = history.bucket_rates(points, now, span, bucket)
    fig.add_trace(go.Bar(x=[_t(t) for t, _ in consumed], y=[r for _, r in consumed], name="consumed (micro-batches)",
                         marker_color="#3b6ea5"), 1, 1)
    produced = figures.rate_from_samples([s for s in live.produced if s[0] >= now - span])
    fig.add_trace(go.Scatter(x=[_t(t) for t, _ in produced], y=[r for _, r in produced], name="produced (end offsets)",
                             mode="lines+markers", line_color="#d9822b"), 1, 1)
    lat = history.latencies(points, now, span)
    for i, (name, color) in enumerate((("p50", "#7a4ea3"), ("p95", "#c0392b")), start=1):
        fig.add_trace(go.Scatter(x=[_t(r[0]) for r in lat], y=[r[i] for r in lat], name=f"latency {name}",
                                 mode="lines+markers", line_color=color), 1, 2)
    # A constant uirevision per chart and window: Plotly keeps the hover and legend state across refreshes.
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=40, b=10), template="plotly_white",
                      legend=dict(orientation="h", y=-0.2), bargap=0.1, uirevision=f"series-{window}")
    # No explicit range: Plotly keeps a zoom only while the figure's own value stays the same; the bars (0
    # where nothing was consumed) span the window, and the latency axis follows the throughput axis.
    fig.update_layout(xaxis2_matches="x")
    return fig


def keep_zoom(fig, relayout: dict | None) -> None:
    """Applies the user's last zoom (the chart's relayoutData) to the new figure: the page's figure is
    replaced on each refresh, and Plotly's uirevision alone does not keep a zoom across that."""
    r = relayout or {}
    if "xaxis.range[0]" in r and "xaxis.range[1]" in r:
        fig.update_layout(xaxis_range=[r["xaxis.range[0]"], r["xaxis.range[1]"]])
    elif isinstance(r.get("xaxis.range"), list):
        fig.update_layout(xaxis_range=r["xaxis.range"])


def _span(seconds: int) -> str:
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min"


def _t(epoch: float):
    import datetime as dt
    return dt.datetime.fromtimestamp(epoch, dt.UTC)

