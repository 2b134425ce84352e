"""The dashboard's reader: one background thread reads the stores every few seconds into the latest
Snapshot, which every open page renders; it stops reading while no page is open."""
from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable

from userprofiles.config.settings import ObserveSettings
from userprofiles.observe import history
from userprofiles.observe.snapshot import Snapshot
from userprofiles.observe.stores import Stores

IDLE = 60           # seconds without an open page after which the stores are no longer read
STORE_NAMES = {"kafka": "Kafka", "cassandra": "Cassandra", "mongodb": "MongoDB"}


class Live:
    """The latest snapshot of the stores, read by one background thread every `refresh` seconds and shared
    by every open page. The page's callback only renders it and never waits on a store, so a slow store
    cannot hold a page's refresh past the next one (docs/design.md, "The dashboard").

    CLOCK (monotonic seconds) and IDLE are what the idle rule measures with; `parked` is set while the
    reader waits for a page."""

    def __init__(self, conf: ObserveSettings, refresh: float, top: int, alive_seconds: float = 60.0,
                 links: dict | None = None, clock: Callable[[], float] = time.monotonic, idle: float = IDLE):
        self.conf, self.refresh, self.top, self.alive_seconds = conf, refresh, top, alive_seconds
        self.clock, self.idle = clock, idle
        self.stores = Stores(conf)
        self.snap: Snapshot | None = None
        self.history = history.History()
        self.links = dict(links or {})          # name -> URL of a web UI, probed on each read
        self.answering: dict[str, bool] = {}    # name -> whether it answered the last probe
        self.produced = deque(maxlen=int(history.KEEP / max(refresh, 1)) + 2)  # (time, end offsets summed)
        self.parked = threading.Event()    # set while no page is open and the stores are not read
        self._first = threading.Event()
        self._stop = threading.Event()
        self._fresh = threading.Event()    # set after each read
        self._wanted = threading.Event()   # set while a page is open (asked within `idle` seconds)
        self._last_ask = clock()

    def start(self) -> Live:
        threading.Thread(target=self._loop, name="read-stores", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wanted.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            t0 = self.clock()
            self.read_once()
            self._stop.wait(max(0.0, self.refresh - (self.clock() - t0)))
            # Nobody looking (make run keeps the dashboard up): no count(*) every few seconds for no one.
            if self.clock() - self._last_ask > self.idle:
                self._wanted.clear()
                self.parked.set()
                self._wanted.wait()
                self.parked.clear()

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
        self._last_ask = self.clock()
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
