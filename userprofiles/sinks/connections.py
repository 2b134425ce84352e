"""The connections this process holds to the services: a Cassandra session, a MongoDB client, a Kafka producer,
each made on first use and reused by every task and micro-batch that follows (connecting costs up to seconds),
and closed by `close_all()`, newest first, when the process is done with them: the consumer's driver before it
stops Spark (consumer_spark.py), a Python worker when Spark ends it (python_worker_daemon.py). A client left
open when the interpreter exits has threads that outlive their executors and print tracebacks.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable
from typing import Any

log = logging.getLogger(__name__)

_lock = threading.Lock()
_open: dict[Hashable, tuple[Any, Callable[[Any], None] | None]] = {}   # in the order they were opened


def shared(key: Hashable, make: Callable[[], Any], close: Callable[[Any], None] | None = None) -> Any:
    """The connection KEY names, made with MAKE() the first time; CLOSE(connection) ends it in close_all (None:
    nothing to end, e.g. a prepared statement, which goes with its session)."""
    with _lock:
        if key in _open:
            return _open[key][0]
    made = make()   # outside the lock: connecting takes seconds, and another key may be wanted meanwhile
    with _lock:
        if key in _open:   # made twice at once: keep the first, end this one
            if close is not None:
                close(made)
            return _open[key][0]
        _open[key] = (made, close)
        return made


def drop(key: Hashable) -> None:
    """Close and forget the connection KEY (e.g. a session whose cluster is gone for good)."""
    with _lock:
        entry = _open.pop(key, None)
    if entry is not None and entry[1] is not None:
        _close_one(key, *entry)


def close_all() -> None:
    """Close every connection, the newest first (a prepared statement before its session); the next use makes
    new ones. A close that fails is logged and the others are still closed."""
    with _lock:
        entries = list(_open.items())
        _open.clear()
    for key, (conn, close) in reversed(entries):
        if close is not None:
            _close_one(key, conn, close)


def _close_one(key: Hashable, conn: Any, close: Callable[[Any], None]) -> None:
    try:
        close(conn)
    except Exception as exc:
        log.warning("closing %s failed (%s: %s)", key[0] if isinstance(key, tuple) else key, type(exc).__name__,
                    str(exc)[:200])


def held() -> list[Hashable]:
    """The keys of the open connections, oldest first."""
    with _lock:
        return list(_open)
