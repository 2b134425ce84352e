"""`make dashboard`: a live page of the pipeline at http://127.0.0.1:8501, refreshed every few seconds.

    python -m userprofiles.observe.dashboard [--port 8501] [--refresh-seconds 5] [--help]

Dash (Flask + Plotly): the figures are read on the server with the project's clients (stores.py, the same
code as `make status`) and sent to the page as Plotly charts and HTML tables; the browser only draws.
"""
from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque

from userprofiles.config import options
from userprofiles.config.logs import setup_logging
from userprofiles.config.options import Option
from userprofiles.config.settings import ObserveSettings, redact_uri
from userprofiles.observe import figures, history
from userprofiles.observe.stores import Snapshot, Stores

IDLE = 60           # seconds without an open page after which the stores are no longer read
STORE_NAMES = {"kafka": "Kafka", "cassandra": "Cassandra", "mongodb": "MongoDB"}


OPTIONS = (
    Option("--host", "DASHBOARD_HOST", "127.0.0.1", "address to listen on; loopback unless you mean to share it",
           ("host",)),
    Option("--port", "DASHBOARD_PORT", 8501, "port", ("port",), minimum=1, maximum=65535),
    Option("--refresh-seconds", "DASHBOARD_REFRESH_SECONDS", 5.0, "seconds between two reads of the stores",
           ("refresh_seconds",), minimum=1),
    Option("--top", "DASHBOARD_TOP", 15, "bars per chart of nationalities and e-mail domains", ("top",), minimum=1),
    Option("--latest-dead-letters", "DASHBOARD_DEAD_LETTERS", 10, "dead letters listed", ("latest_dead_letters",),
           minimum=0),
    Option("--alive-seconds", "DASHBOARD_ALIVE_SECONDS", 60.0, "seconds without a micro-batch, with messages "
           "waiting, after which the consumer is shown as stopped", ("alive_seconds",), above=0),
    Option("--spark-ui-url", "DASHBOARD_SPARK_UI_URL", "http://127.0.0.1:4040", "the consumer's Spark UI",
           ("spark_ui_url",)),
    Option("--spark-master-url", "DASHBOARD_SPARK_MASTER_URL", "http://127.0.0.1:8080", "the Spark master's UI",
           ("spark_master_url",)),
    Option("--kafka-ui-url", "DASHBOARD_KAFKA_UI_URL", "http://127.0.0.1:8081", "kafka-ui (compose profile ui)",
           ("kafka_ui_url",)),
)


def parser() -> argparse.ArgumentParser:
    return options.parser("make dashboard", "Serve the live dashboard of the pipeline on loopback.",
                           (*OPTIONS, *options.OBSERVE_OPTIONS))


class Live:
    """The latest snapshot of the stores, read by one background thread every `refresh` seconds and shared
    by every open page. The page's callback only renders it: it never waits on a store. (When it did, a
    store that was down made each read last longer than the refresh; the browser then dropped every
    answer as superseded by the next request, and the page froze on its last figures.)"""

    def __init__(self, conf: ObserveSettings, refresh: float, top: int, alive_seconds: float = 60.0,
                 links: dict | None = None):
        self.conf, self.refresh, self.top, self.alive_seconds = conf, refresh, top, alive_seconds
        self.stores = Stores(conf)
        self.snap: Snapshot | None = None
        self.history = history.History()
        self.links = dict(links or {})          # name -> URL of a web UI, probed on each read
        self.answering: dict[str, bool] = {}    # name -> whether it answered the last probe
        self.produced = deque(maxlen=int(history.KEEP / max(refresh, 1)) + 2)  # (time, end offsets summed)
        self._first = threading.Event()
        self._stop = threading.Event()
        self._fresh = threading.Event()    # set after each read
        self._wanted = threading.Event()   # set while a page is open (asked within IDLE seconds)
        self._last_ask = time.monotonic()

    def start(self) -> Live:
        threading.Thread(target=self._loop, name="read-stores", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wanted.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            t0 = time.monotonic()
            self.read_once()
            self._stop.wait(max(0.0, self.refresh - (time.monotonic() - t0)))
            # Nobody looking (make run keeps the dashboard up): no count(*) every few seconds for no one.
            if time.monotonic() - self._last_ask > IDLE:
                self._wanted.clear()
                self._wanted.wait()

    def read_once(self) -> Snapshot:
        before = self.snap.errors if self.snap else {}
        # count(*) reads the whole table: on a big one, not more than every 30 s.
        reuse = 30.0 if self.snap and self.snap.rows and self.snap.rows.rows > 100_000 else 0.0
        snap = self.stores.snapshot(self.top, count_reuse_for=reuse, progress=self.history)
        self.answering = {name: _answers(url) for name, url in self.links.items()}
        if snap.produced is not None:
            if self.produced and snap.produced < self.produced[-1][1]:
                self.produced.clear()   # the topic was recreated
            self.produced.append((snap.taken_at, snap.produced))
        self.snap = snap
        self._first.set()
        self._fresh.set()
        _log_changes(before, snap.errors)
        if snap.seconds > self.refresh:
            print(time.strftime("%H:%M:%S", time.gmtime()), f"slow read of the stores: {snap.seconds:.1f} s ("
                  + ", ".join(f"{k} {v:.1f} s" for k, v in snap.part_seconds.items()) + ")", flush=True)
        return snap

    def current(self, wait: float = 10.0) -> Snapshot | None:
        """The latest snapshot (waiting up to WAIT seconds for the first one). After an idle spell, the
        reads start again and the first page waits for a fresh one (up to two refreshes)."""
        self._last_ask = time.monotonic()
        if not self._wanted.is_set():
            self._fresh.clear()
            self._wanted.set()
            self._fresh.wait(2 * self.refresh)
        self._first.wait(wait)
        return self.snap


def _answers(url: str, timeout: float = 0.5) -> bool:
    """Whether a web UI answers HTTP at URL (any status: a 404 still means it runs)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False


def _log_changes(before: dict, now: dict) -> None:
    """One line in the dashboard's log when a store goes away or comes back (not one per refresh)."""
    stamp = time.strftime("%H:%M:%S", time.gmtime())
    for store in sorted(set(before) | set(now)):
        if store in now and before.get(store) != now[store] and store not in before:
            print(f"{stamp} {STORE_NAMES.get(store, store)}: {now[store]}", flush=True)
        elif store in before and store not in now:
            print(f"{stamp} {STORE_NAMES.get(store, store)}: answers again", flush=True)


# --- the page --------------------------------------------------------------------------------------------

def _bar_chart(f: figures.CollectionFigures, top: int):
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
    shown = f"top {len(f.bars)} of {f.keys:,} keys" if horizontal and f.keys > len(f.bars) else f"{f.keys:,} keys"
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


def _series_chart(snap: Snapshot, live: Live, window: str):
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
    replaced on each refresh, and Plotly's uirevision alone did not keep a zoom across that."""
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


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower())


def _card(ident: str, label: str, value: str, note: str):
    from dash import html
    return html.Div([html.Div(label, className="label"), html.Div(value, id=ident, className="value"),
                     html.Div(note, className="note")], className="card")


def _table(ident: str, header: list, rows: list):
    from dash import html
    return html.Table([html.Thead(html.Tr([html.Th(h) for h in header])),
                       html.Tbody([html.Tr([html.Td(c) for c in r]) for r in rows])], id=ident)


def _down(store: str, message: str):
    from dash import html
    return html.Div(message, id=f"down-{store}", className="down")


def _ms(v: float | None) -> str:
    return "—" if v is None else f"{v / 1000:.2f} s"


def render(snap: Snapshot, live: Live, latest_dead_letters: int, window: str = "10 min"):
    """(what is above the throughput chart, its figure, what is below). The chart stays in the page and
    only its figure changes: a Graph rebuilt on each refresh would lose the user's zoom."""
    from dash import dcc, html

    conf, err = live.conf, snap.errors
    alerts = [_down(s, m) for s, m in err.items() if s != "group"]
    age = time.time() - snap.taken_at
    if age > 3 * live.refresh + 5:   # the reader is stuck on a store: say that these figures are old
        alerts.append(html.Div(f"These figures were read {age:.0f} s ago: reading the stores takes longer than "
                               f"usual.", id="stale", className="down"))
    lag_total = None if snap.lags is None or "group" in err else sum(x.lag for x in snap.lags)
    note = snap.note
    state = history.alive(note.committed_ms if note else None, lag_total, time.time(), live.alive_seconds)
    cards = html.Div([
        html.Div([html.Div("consumer", className="label"),
                  html.Div(state.text, id="alive", className=f"alive {state.state}")], className="card wide"),
        _card("total-profiles", "distinct profiles", figures.thousands(snap.profiles),
              "MongoDB analytics (by gender, summed)" if snap.profiles is not None else "MongoDB unreachable"),
        _card("total-rows", "rows in Cassandra", figures.thousands(snap.rows.rows if snap.rows else None),
              ("≈ " if snap.rows and snap.rows.estimated else "")
              + (snap.rows.how if snap.rows else "Cassandra unreachable")),
        _card("total-dead-letters", "dead letters", figures.thousands(snap.dlq_total),
              conf.kafka.dlq_topic if snap.dlq_total is not None else "Kafka unreachable"),
        _card("total-lag", "consumer lag", figures.thousands(lag_total),
              "messages not yet committed" if lag_total is not None else err.get("group", "Kafka unreachable")),
        _card("latency-p50", "latency p50", _ms(note.p50_ms if note else None),
              f"micro-batch {note.batch}" if note else "no micro-batch yet"),
        _card("latency-p95", "latency p95", _ms(note.p95_ms if note else None),
              f"micro-batch {note.batch}" if note else "no micro-batch yet"),
    ], className="cards")
    links = html.Div([html.Span([html.A(name, href=url, target="_blank", id=f"link-{_slug(name)}")
                                 if live.answering.get(name) else
                                 html.Span(f"{name}: not running", id=f"link-{_slug(name)}", className="off")],
                                className="link") for name, url in live.links.items()], id="links")

    if snap.collections is None:
        analytics = _down("analytics", err.get("mongodb", "MongoDB unreachable"))
    else:
        analytics = html.Div([dcc.Graph(id=f"chart-{name}", figure=_bar_chart(f, live.top),
                                        config={"displayModeBar": False}, className="chart")
                              for name, f in snap.collections.items()], className="grid")


    if snap.lags is None:
        partitions = _down("partitions", err.get("kafka", "Kafka unreachable"))
    else:
        partitions = _table("partitions", ["partition", "end offset", "committed offset", "lag"],
                            [[x.partition, f"{x.end:,}", "-" if x.committed is None else f"{x.committed:,}",
                              f"{x.lag:,}"] for x in snap.lags])

    if snap.dlq_total is None:
        dead = _down("dead-letters", err.get("kafka", "Kafka unreachable"))
    else:
        reasons = _table("dead-letter-reasons", ["reason", "count"],
                         [[r, f"{n:,}"] for r, n in figures.reason_counts(snap.dlq_scanned)])
        latest = list(reversed(snap.dlq_scanned[-latest_dead_letters:]))
        letters = _table("dead-letters", ["written (UTC)", "reason", "source partition", "source offset",
                                          "bytes", "headers", "payload (redacted as stored)"],
                         [[time.strftime("%H:%M:%S", time.gmtime(d.written_ms / 1000)) if d.written_ms else "",
                           d.reason, d.source_partition, d.source_offset, figures.thousands(d.payload_bytes),
                           figures.shorten(", ".join(f"{k}={v}" for k, v in d.headers.items()), 80),
                           figures.shorten(d.payload_redacted if d.payload_redacted is not None else "(not kept)", 90)]
                          for d in latest])
        dead = html.Div([reasons, letters], className="dead")

    top = [
        html.Div(alerts, id="alerts"),
        links,
        cards,
        html.H2("Analytics (MongoDB)"), analytics,
        html.H2("Throughput and latency"),
        html.Div("Consumed: Kafka messages (rows, filtered and dead letters) in the micro-batches the consumer "
                 f"committed, from its stream_progress documents in MongoDB (kept 24 h). Produced: the growth of "
                 "the topic's end offsets between two refreshes of this page (since it started). Latency: p50 and "
                 "p95 of a sample of each micro-batch's rows, write time minus Kafka timestamp. Consumer: the "
                 "time since its last committed micro-batch; it commits only when it reads something, so it is "
                 f"shown stopped (red) only when messages wait and it has committed nothing for "
                 f"{live.alive_seconds:g} s.", className="note"),
    ]
    bottom = [
        html.H2(f"Partitions of {conf.kafka.topic}"), partitions,
        html.H2("Dead letters"), dead,
        html.Div(f"read at {time.strftime('%H:%M:%S UTC', time.gmtime(snap.taken_at))} in {snap.seconds:.2f} s; "
                 f"refreshed every {live.refresh:g} s", id="refreshed", className="note"),
    ]
    return top, _series_chart(snap, live, window), bottom


CSS = """
body { font-family: system-ui, sans-serif; margin: 16px 24px; color: #222; background: #f6f7f9; }
h1 { font-size: 22px; margin: 0 0 4px 0; } h2 { font-size: 16px; margin: 20px 0 6px 0; }
.sub, .note { color: #666; font-size: 12px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin-top: 12px; }
.card { background: #fff; border: 1px solid #dde; border-radius: 6px; padding: 10px 16px; min-width: 190px; }
.card .label { font-size: 12px; color: #666; } .card .value { font-size: 28px; font-weight: 600; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.chart { background: #fff; border: 1px solid #dde; border-radius: 6px; }
.down { background: #fdecea; color: #8a1c12; border: 1px solid #f3b8b0; border-radius: 6px; padding: 10px 14px;
        margin: 8px 0; font-weight: 500; }
table { border-collapse: collapse; background: #fff; font-size: 13px; margin: 6px 0; }
th, td { border: 1px solid #dde; padding: 4px 10px; text-align: left; } th { background: #eef1f5; }
.card.wide { min-width: 330px; } .alive { font-size: 16px; font-weight: 600; padding: 8px 0; }
.alive.ok { color: #1e7b34; } .alive.stopped { color: #b3261e; } .alive.unknown { color: #666; }
#links { font-size: 13px; margin-top: 6px; } .link { margin-right: 16px; } .off { color: #999; }
.dead { display: flex; gap: 16px; align-items: flex-start; flex-wrap: wrap; }
"""


def make_app(live: Live, latest_dead_letters: int = 10):
    from dash import Dash, Input, Output, Patch, State, ctx, dcc, html

    app = Dash(__name__, title="users_profiles pipeline", update_title=None)
    app.index_string = app.index_string.replace("{%css%}", "{%css%}<style>" + CSS + "</style>")
    conf = live.conf
    app.layout = html.Div([
        html.H1("users_profiles pipeline, live"),
        html.Div(f"Kafka {conf.kafka.bootstrap_servers} topic {conf.kafka.topic} → Cassandra "
                 f"{conf.cassandra.address} {conf.cassandra.keyspace}.{conf.cassandra.table} + MongoDB "
                 f"{redact_uri(conf.mongo.uri)} {conf.mongo.db}", className="sub"),
        dcc.Interval(id="tick", interval=int(live.refresh * 1000), n_intervals=0),
        html.Div(id="top"),
        dcc.RadioItems(id="window", options=list(history.WINDOWS), value="10 min", inline=True,
                       className="note"),
        dcc.Graph(id="chart-series", config={"displayModeBar": False}),
        html.Div(id="bottom"),
    ])

    @app.callback(Output("top", "children"), Output("chart-series", "figure"), Output("bottom", "children"),
                  Input("tick", "n_intervals"), Input("window", "value"), State("chart-series", "relayoutData"),
                  State("chart-series", "figure"))
    def refresh(_n, window, zoom, shown):
        snap = live.current()
        if snap is None:
            return html.Div("reading the stores for the first time…", className="note"), {}, []
        top, fig, bottom = render(snap, live, latest_dead_letters, window if window in history.WINDOWS else "10 min")
        if ctx.triggered_id == "tick" and shown and shown.get("data"):
            # Only the traces change: the layout in the page, with the user's zoom, is left as it is, even
            # when the zoom happened while this refresh was on its way.
            patch = Patch()
            patch["data"] = fig.to_plotly_json()["data"]
            return top, patch, bottom
        if ctx.triggered_id != "window":   # a new window starts unzoomed
            keep_zoom(fig, zoom)
        return top, fig, bottom

    return app


def main(argv=None) -> int:
    p = parser()
    args = p.parse_args(argv)
    setup_logging(args.log_level)
    conf = options.observe_settings(args)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)   # not one line per refresh
    links = {"Spark UI": args.spark_ui_url, "Spark master": args.spark_master_url, "kafka-ui": args.kafka_ui_url}
    live = Live(conf, args.refresh_seconds, args.top, args.alive_seconds, links).start()
    live.current()   # the first read, before the first page
    app = make_app(live, args.latest_dead_letters)
    # Plotly is slow to build its first figures (imports and validators): pay that now, not on the first page.
    render(Snapshot(taken_at=time.time(), collections=figures.all_collection_figures({})), live, 1)
    print(f"dashboard: http://{args.host}:{args.port}/ (refresh every {args.refresh_seconds:g} s; Ctrl-C stops)",
          flush=True)
    try:
        app.run(host=args.host, port=args.port, debug=False)
    except OSError as exc:
        print(f"make dashboard: error: cannot listen on {args.host}:{args.port} ({exc.strerror or exc}); "
              f"stop what uses it or choose another --port / DASHBOARD_PORT.", file=sys.stderr)
        return 2
    finally:
        live.stop()
        live.stores.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
