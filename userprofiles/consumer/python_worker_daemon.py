"""The daemon that forks the consumer's Python workers (Spark's `spark.python.daemon.module`): pyspark's own
daemon, with the end of a worker made quiet and clean.

Spark ends a Python worker by closing its socket: the idle ones when the application stops (before it
stops the daemon) and after a minute without tasks, a busy one when its task is killed (the query stops).
pyspark's worker then reads the end of the stream where a task should start, or writes into it, and reports
that as an error by writing to the closed socket; over the Unix domain socket that the consumer uses
(spark.python.unix.domain.socket.enabled) that write fails at once, and the daemon prints a
`BrokenPipeError` traceback (on TCP the first write into a closed socket seems to succeed, so Spark's default
hides it). Here a worker whose socket Spark closed closes what it opened (connections.close_all) and exits
without writing. Checked against pyspark 4.2.0's daemon.py; Spark has no issue filed for it.

Imported by the daemon before it forks: nothing here may start a thread (pyspark.daemon's own rule).
"""
from __future__ import annotations

import signal
import socket
import sys

from pyspark import daemon

_pyspark_worker = daemon.worker
CLOSE_SECONDS = 10   # at most, for the worker's connections to close (then the process exits anyway)


def closed_by_spark(sock: socket.socket) -> bool:
    """True when Spark closed SOCK before sending the next task (blocks until one or the other)."""
    try:
        return not sock.recv(1, socket.MSG_PEEK)
    except (ConnectionResetError, BrokenPipeError):
        return True


def close_connections() -> None:
    """Close what this worker's tasks opened, if they opened anything. The daemon's SIGHUP (it stops right
    after Spark closed the sockets) must not cut the closing short; SIGALRM bounds it."""
    connections = sys.modules.get("userprofiles.sinks.connections")
    if connections is None or not connections.held():
        return
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.alarm(CLOSE_SECONDS)
    try:
        connections.close_all()
    finally:
        signal.alarm(0)


def worker(sock: socket.socket, authenticated: bool) -> int:
    """pyspark.daemon.worker, unless Spark closed the socket: then the connections are closed and the worker
    ends (a non-zero code: the daemon does not reuse it) without a word to a socket nobody reads."""
    if closed_by_spark(sock):
        close_connections()
        return 1
    try:
        return _pyspark_worker(sock, authenticated)
    except (BrokenPipeError, ConnectionResetError):   # closed while the task wrote its results: it was killed
        close_connections()
        return 1


def main() -> None:
    daemon.worker = worker   # manager() calls it by its module-level name for every task
    daemon.manager()


if __name__ == "__main__":
    main()
