"""The dashboard in a real headless browser (Debian's chromium, driven by selenium): the figures it shows
equal the stores', they follow new data, and MongoDB going away shows a message, then recovers.

MongoDB is reached through a TCP proxy of the test's own, stopped and started again to play "FerretDB is
down" without stopping the FerretDB that other tests share. (docs/dashboard.png is taken from a `make run`
instead: python -m tests.support.browser URL OUT.)"""
from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

import pytest

from tests.support import browser
from tests.support.addresses import BOOTSTRAP, MONGO_PORT, free_port
from tests.support.clients import watermarks
from tests.support.paths import ROOT
from tests.support.processes import child_env

from . import observe_data as data
from .tcp_proxy import TcpProxy

REFRESH = 2.0

READ_PAGE = """
const text = id => { const e = document.getElementById(id); return e ? e.textContent : null; };
const rows = sel => [...document.querySelectorAll(sel + ' tbody tr')].map(tr => [...tr.cells].map(c => c.textContent));
const plot = id => { const g = document.querySelector('#' + id + ' .js-plotly-plot');
  return g && g.data ? g.data.map(t => ({x: t.x, y: t.y, orientation: t.orientation || 'v'})) : null; };
const layout = id => { const g = document.querySelector('#' + id + ' .js-plotly-plot');
  return g && g._fullLayout && g._fullLayout.xaxis ?
    {xrange: g._fullLayout.xaxis.range, uirevision: g._fullLayout.uirevision} : null; };
const ticks = id => [...document.querySelectorAll('#' + id + ' .xtick text')].map(e => e.textContent);
return {rows: text('total-rows'), profiles: text('total-profiles'), dead: text('total-dead-letters'),
        lag: text('total-lag'), refreshed: text('refreshed'), alive: text('alive'),
        alive_class: (document.getElementById('alive') || {}).className, p50: text('latency-p50'),
        p95: text('latency-p95'), links: [...document.querySelectorAll('#links .link')].map(e => e.textContent),
        series_layout: layout('chart-series'),
        down: Object.fromEntries([...document.querySelectorAll('.down')].map(e => [e.id, e.textContent])),
        charts: Object.fromEntries(['by_nationality', 'by_gender', 'by_age_group', 'by_email_domain']
                                   .map(c => [c, plot('chart-' + c)])),
        age_ticks: ticks('chart-by_age_group'), series: plot('chart-series'),
        partitions: rows('#partitions'), letters: rows('#dead-letters')};
"""


def _browser():
    if not browser.installed():
        pytest.fail(browser.MISSING)
    return browser.chromium()


def _wait(driver, what: str, ok, timeout: float = 30.0) -> tuple[dict, float]:
    """Read the page until ok(page) holds; returns the page and the seconds it took."""
    t0 = time.monotonic()
    page = None
    last_read, since = None, t0
    while time.monotonic() - t0 < timeout:
        page = driver.execute_script(READ_PAGE)
        if page["refreshed"] != last_read:
            last_read, since = page["refreshed"], time.monotonic()
        # The page says when it last read the stores: if that stops moving, the page froze, which is a
        # failure of its own, whatever the figures.
        assert time.monotonic() - since < 5 * REFRESH + 15, \
            f"the page stopped refreshing ({last_read}; now {time.strftime('%H:%M:%S')}) while waiting for {what}"
        try:
            if ok(page):
                return page, time.monotonic() - t0
        except (TypeError, KeyError, IndexError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"the dashboard did not show {what} within {timeout:.0f}s (at {time.strftime('%H:%M:%S')}); "
                         f"it showed {page}")


def _expected_bars(counts: dict[str, int], coll: str, top: int = 15) -> list[tuple[str, int]]:
    if coll == "by_age_group":
        order = ["14-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
        return [(g, counts.get(g, 0)) for g in order]
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]


def _shown_bars(chart: list[dict]) -> list[tuple[str, int]]:
    t = chart[0]
    x, y = (t["y"], t["x"]) if t["orientation"] == "h" else (t["x"], t["y"])
    pairs = list(zip(x, y, strict=False))
    return pairs[::-1] if t["orientation"] == "h" else pairs   # horizontal charts draw the largest on top


def _check_matches_stores(page: dict, sb, rows: int, dead: int, lag: int, committed: dict) -> None:
    assert page["rows"] == f"{rows:,}" and rows == sb.row_count()
    counts = data.analytics_counts(sb)
    assert page["profiles"] == f"{sum(counts['by_gender'].values()):,}"
    assert page["dead"] == f"{dead:,}"
    assert page["lag"] == f"{lag:,}"
    for coll, by_key in counts.items():
        assert _shown_bars(page["charts"][coll]) == _expected_bars(by_key, coll), coll
    assert page["age_ticks"] == ["14-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
    marks = watermarks(sb.topic)
    assert page["partitions"] == [[str(p), f"{end:,}", f"{committed[p]:,}", f"{end - committed[p]:,}"]
                                  for p, (_, end) in sorted(marks.items())]


ALIVE = 8.0   # --alive-seconds of the test's dashboard: over the time a commit takes to be shown


class Dashboard:
    """The dashboard process on a free port, on the sandbox's names, MongoDB through a proxy; stop() and
    start() again play a restart of the page server."""

    def __init__(self, sandbox, tmp_path, proxy):
        self.sandbox, self.tmp_path, self.proxy = sandbox, tmp_path, proxy
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proc = None
        self.logs = []
        self.mongo_uri = f"mongodb://127.0.0.1:{proxy.port}/"   # MongoDB through the proxy

    def start(self) -> None:
        sb = self.sandbox
        path = self.tmp_path / f"dashboard-{len(self.logs)}.log"
        self.logs.append(path)
        self._log = open(path, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "userprofiles.observe.dashboard", "--port", str(self.port), "--refresh-seconds",
             str(REFRESH), "--timeout", "2", "--bootstrap-servers", BOOTSTRAP, "--topic", sb.topic,
             "--dlq-topic", sb.dlq, "--keyspace", sb.keyspace, "--mongo-db", sb.mongo_db, "--query-name", sb.group,
             "--alive-seconds", str(ALIVE), "--spark-ui-url", f"http://127.0.0.1:{free_port()}/",
             "--spark-master-url", f"http://127.0.0.1:{free_port()}/", "--kafka-ui-url", self.url],
            cwd=ROOT, env={**child_env("dashboard"), "MONGO_URI": self.mongo_uri}, stdout=self._log,
            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.url, timeout=2).read()
                break
            except OSError:
                assert self.proc.poll() is None, path.read_text()
                assert time.monotonic() < deadline, "the dashboard did not answer within 60 s"
                time.sleep(0.3)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


@pytest.fixture
def dashboard(sandbox, tmp_path):
    proxy = TcpProxy(MONGO_PORT).start()
    d = Dashboard(sandbox, tmp_path, proxy)
    d.start()
    try:
        yield d
    finally:
        for path in d.logs:
            print(f"{path.name}:\n" + path.read_text()[-3000:])
        if d.proc.poll() is None:
            d.stop()
        proxy.stop()
    for path in d.logs:
        assert "Traceback" not in path.read_text()


def test_dashboard_shows_the_stores_live_and_survives_mongodb_going_away(sandbox, tmp_path, dashboard):
    url, proxy = dashboard.url, dashboard.proxy
    recs = data.records(330, seed=5)
    data.create_table(sandbox)
    data.write_rows(sandbox, recs[:240])
    data.add_analytics(sandbox, recs[:240])
    from tests.support.clients import mongo_client
    # A key whose profiles all moved elsewhere: count 0 is shown as absent.
    mongo_client()[sandbox.mongo_db].by_email_domain.insert_one({"_id": "gone.example", "count": 0})
    latency = lambda i: 1.0 + 0.25 * i   # noqa: E731 - batch i's messages waited this long
    committed = data.pipeline_history(sandbox, tmp_path / "checkpoint", recs[:240], batches=8, per_batch=30,
                                      every=20, latency_of=latency)
    data.produce(sandbox.topic, recs[240:253], sandbox.partitions, start=240)   # 13 not consumed yet
    letters = data.dead_letters(sandbox, 5)

    driver = _browser()
    timings = {}
    try:
        t0 = time.monotonic()
        driver.get(url)
        page, _ = _wait(driver, "240 rows and 8 latencies", lambda p: p["rows"] == "240" and p["charts"]["by_gender"]
                        and len(p["series"][2]["y"]) == 8 and p["lag"] == "13" and p["dead"] == "5")
        timings["first render (s)"] = time.monotonic() - t0
        _check_matches_stores(page, sandbox, rows=240, dead=5, lag=13, committed=committed)
        assert "gone.example" not in str(page["charts"]["by_email_domain"])
        assert not page["down"]
        # Newest dead letter first, with its reason and source partition/offset.
        newest = letters[-1]
        assert page["letters"][0][1:4] == [newest["reason"], str(newest["source_partition"]),
                                            str(newest["source_offset"])]
        assert "__connect.errors.topic=" + sandbox.topic in page["letters"][0][5]
        # Throughput: the 8 micro-batches consumed 240 messages in 10 s buckets; latency: p50 and p95 per
        # micro-batch, as recorded. The newest note gives the cards and the consumer is alive.
        consumed, _produced, p50, p95 = page["series"]
        assert round(sum(consumed["y"]) * 10) == 240
        assert [round(v, 2) for v in p50["y"]] == [latency(i) for i in range(8)]
        assert [round(v, 3) for v in p95["y"]] == [round(1.5 * latency(i), 3) for i in range(8)]
        assert page["p50"] == f"{latency(7):.2f} s" and page["p95"] == f"{1.5 * latency(7):.2f} s"
        # The Spark UIs are not running here; the "kafka-ui" address is the dashboard itself, which answers.
        assert page["links"] == ["Spark UI: not running", "Spark master: not running", "kafka-ui"]

        # A zoom survives the refreshes: the layout's uirevision is constant, so Plotly keeps the user's range.
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.by import By

        before = page["series_layout"]["xrange"]
        drag = driver.find_element(By.CSS_SELECTOR, '#chart-series .nsewdrag[data-subplot="xy"]')
        width = drag.size["width"]
        ActionChains(driver).move_to_element_with_offset(drag, -width // 4, 0).click_and_hold() \
            .move_by_offset(width // 3, 0).release().perform()
        zoom = driver.execute_script(READ_PAGE)["series_layout"]["xrange"]
        assert zoom != before, "the mouse drag did not zoom the chart"
        stamps = [page["refreshed"]]
        page, _ = _wait(driver, "two refreshes", lambda p: (p["refreshed"] != stamps[-1] and
                                                             stamps.append(p["refreshed"]) and False)
                        or len(stamps) >= 3)
        assert page["series_layout"]["xrange"] == zoom, (page["series_layout"], zoom)
        # A double click goes back to the whole window, and stays there.
        ActionChains(driver).double_click(drag).perform()
        stamps = [driver.execute_script(READ_PAGE)["refreshed"]]
        page, _ = _wait(driver, "the zoom reset over a refresh", lambda p: (p["refreshed"] != stamps[-1] and
                                                                             stamps.append(p["refreshed"]) and False)
                        or len(stamps) >= 2)
        assert page["series_layout"]["xrange"][0] < zoom[0], (page["series_layout"], zoom)

        # More data: 60 new profiles counted, 2 more dead letters, a 9th batch committed.
        data.write_rows(sandbox, recs[240:300])
        data.add_analytics(sandbox, recs[240:300])
        committed_at = time.time()
        data.produce(sandbox.topic, recs[253:283], sandbox.partitions, start=253)
        for p in committed:
            committed[p] += sum(1 for j in range(240, 270) if j % sandbox.partitions == p)
        data.commit_group(sandbox, 8, committed, committed_at, rows=30, latency_s=latency(8))
        letters += data.dead_letters(sandbox, 2, first_offset=2000)
        t0 = time.monotonic()
        page, _ = _wait(driver, "the new figures", lambda p: p["rows"] == "300" and p["profiles"] == "300"
                        and p["dead"] == "7")
        timings["new data shown after (s)"] = time.monotonic() - t0
        _check_matches_stores(page, sandbox, rows=300, dead=7, lag=283 - 270, committed=committed)

        # Just committed: the consumer is shown alive.
        page, _ = _wait(driver, "the 9th micro-batch", lambda p: len(p["series"][2]["y"]) == 9
                        and p["alive_class"] == "alive ok")
        assert page["alive"].startswith("last micro-batch ") and page["alive"].endswith(" s ago"), page["alive"]
        assert round(sum(page["series"][0]["y"]) * 10) == 270

        driver.set_window_size(1400, driver.execute_script("return document.body.scrollHeight") + 40)
        driver.save_screenshot(str(tmp_path / "dashboard.png"))

        # MongoDB unreachable: a message where the charts were, the other figures stay.
        print(time.strftime("%H:%M:%S"), "stopping the proxy to MongoDB")
        proxy.stop()
        t0 = time.monotonic()
        message = f"MongoDB at {dashboard.mongo_uri} does not answer"
        page, _ = _wait(driver, "the MongoDB message", lambda p: message in p["down"].get("down-analytics", ""))
        timings["MongoDB message shown after (s)"] = time.monotonic() - t0
        assert "start it (make up) or fix MONGO_URI." in page["down"]["down-mongodb"]
        assert page["profiles"] == "—" and page["charts"]["by_gender"] is None
        assert page["rows"] == "300" and page["dead"] == "7"
        driver.save_screenshot(str(tmp_path / "dashboard-mongodb-down.png"))

        proxy.start()
        t0 = time.monotonic()
        page, _ = _wait(driver, "the recovered charts", lambda p: not p["down"] and p["charts"]["by_gender"])
        timings["recovered after (s)"] = time.monotonic() - t0
        _check_matches_stores(page, sandbox, rows=300, dead=7, lag=13, committed=committed)
        timings["server read of the stores (s)"] = float(page["refreshed"].split(" in ")[1].split(" s")[0])

        # The consumer stops: messages wait and no micro-batch is committed for longer than --alive-seconds.
        data.produce(sandbox.topic, recs[283:290], sandbox.partitions, start=283)
        t0 = time.monotonic()
        page, _ = _wait(driver, "the consumer shown stopped",
                        lambda p: p["alive"].startswith("consumer stopped? 20 messages waiting"))
        assert page["alive_class"] == "alive stopped" and "alive" not in page["down"]
        timings["stopped consumer shown after (s)"] = time.monotonic() - t0
        assert ", last micro-batch " in page["alive"], page["alive"]

        # The page server restarts: the history comes back from MongoDB.
        dashboard.stop()
        dashboard.start()
        driver.get(url)
        page, _ = _wait(driver, "the history after a restart", lambda p: len(p["series"][2]["y"]) == 9)
        assert round(sum(page["series"][0]["y"]) * 10) == 270
    finally:
        driver.quit()
    print(f"dashboard timings, refresh every {REFRESH:g}s: " + ", ".join(f"{k} {v:.2f}" for k, v in timings.items()))
