"""The dashboard's background reader (userprofiles/observe/live.py): it reads the stores only while a page is
open. The idle rule runs on a clock the test moves, and the test waits on events, not on sleeps."""
from __future__ import annotations

import threading
import time

from userprofiles.config.settings import ObserveSettings
from userprofiles.observe.live import Live
from userprofiles.observe.snapshot import Snapshot


class CountingStores:
    def __init__(self):
        self.reads = 0
        self._changed = threading.Condition()

    def snapshot(self, *args, **kw):
        with self._changed:
            self.reads += 1
            self._changed.notify_all()
        return Snapshot(taken_at=time.time())

    def reached(self, reads: int, timeout: float = 10.0) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self.reads >= reads, timeout)


def test_dashboard_reads_the_stores_only_while_a_page_is_open():
    now = [0.0]
    stores = CountingStores()
    live = Live(ObserveSettings(), refresh=0.25, top=15, clock=lambda: now[0], idle=60)
    live.stores = stores
    live.start()
    try:
        assert live.current() is not None
        now[0] += 61                          # past `idle` with no page asking: the reads stop
        assert live.parked.wait(10), "the reader did not stop reading"
        idle_reads = stores.reads
        assert live.parked.is_set() and stores.reads == idle_reads
        before = time.time()
        snap = live.current()                 # a page again: a fresh read, then reads at the refresh pace
        assert snap.taken_at >= before
        assert not live.parked.is_set()
        assert stores.reached(idle_reads + 3), "the reads did not start again"
    finally:
        live.stop()
