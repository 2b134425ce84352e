"""The dashboard's page as Dash components, rendered from the latest Snapshot: alerts for the stores that are
down, the figure cards, the analytics charts, the partitions and the dead letters; and its style sheet."""
from __future__ import annotations

import time

from userprofiles.observe import figures, history
from userprofiles.observe.charts import bar_chart, series_chart
from userprofiles.observe.live import Live
from userprofiles.observe.snapshot import Snapshot


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
        analytics = html.Div([dcc.Graph(id=f"chart-{name}", figure=bar_chart(f, live.top),
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
    return top, series_chart(snap, live, window), bottom


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
