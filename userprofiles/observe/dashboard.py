"""`make dashboard`: a live page of the pipeline at http://127.0.0.1:8501, refreshed every few seconds.

    python -m userprofiles.observe.dashboard [--port 8501] [--refresh-seconds 5] [--help]

Dash (Flask + Plotly): the figures are read on the server with the project's clients (stores.py, the same
code as `make status`) by one background thread (live.py), and sent to the page (page.py, charts.py) as
Plotly charts and HTML tables; the browser only draws. Here: the options, the app and its refresh callback.
"""
from __future__ import annotations

import argparse
import logging
import sys
import time

from userprofiles.config import options
from userprofiles.config.logs import setup_logging
from userprofiles.config.option_table import DASHBOARD_OPTIONS
from userprofiles.config.settings import uri_address
from userprofiles.observe import figures, history
from userprofiles.observe.charts import keep_zoom
from userprofiles.observe.live import Live
from userprofiles.observe.page import CSS, render
from userprofiles.observe.snapshot import Snapshot


def parser() -> argparse.ArgumentParser:
    return options.parser("make dashboard", "Serve the live dashboard of the pipeline on loopback.",
                          DASHBOARD_OPTIONS)


def make_app(live: Live, latest_dead_letters: int = 10):
    from dash import Dash, Input, Output, Patch, State, ctx, dcc, html

    app = Dash(__name__, title="users_profiles pipeline", update_title=None)
    app.index_string = app.index_string.replace("{%css%}", "{%css%}<style>" + CSS + "</style>")
    conf = live.conf
    app.layout = html.Div([
        html.H1("users_profiles pipeline, live"),
        html.Div(f"Kafka {conf.kafka.bootstrap_servers} topic {conf.kafka.topic} → Cassandra "
                 f"{conf.cassandra.address} {conf.cassandra.keyspace}.{conf.cassandra.table} + MongoDB "
                 f"{uri_address(conf.mongo.uri)} {conf.mongo.db}", className="sub"),
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
