"""consumer/python_worker_daemon.py: a worker whose socket Spark closed writes nothing, closes its connections
and ends; any other call is pyspark's own worker."""
import socket

import pytest

from userprofiles.consumer import python_worker_daemon
from userprofiles.sinks import connections


@pytest.fixture
def pair():
    ours, spark = socket.socketpair()
    yield ours, spark
    ours.close()
    spark.close()


@pytest.fixture
def opened():
    closed = []
    connections.shared(("cassandra", "test"), lambda: "session", closed.append)
    yield closed
    connections.close_all()


def test_a_socket_closed_before_a_task_ends_the_worker_quietly(pair, opened, monkeypatch):
    ours, spark = pair
    monkeypatch.setattr(python_worker_daemon, "_pyspark_worker", lambda *_: pytest.fail("pyspark's worker ran"))
    spark.close()
    assert python_worker_daemon.worker(ours, True) == 1
    assert opened == ["session"] and connections.held() == []


def test_a_task_on_the_socket_goes_to_pyspark_s_worker_untouched(pair, opened, monkeypatch):
    ours, spark = pair
    calls = []
    monkeypatch.setattr(python_worker_daemon, "_pyspark_worker", lambda s, auth: calls.append((s, auth)) or 0)
    spark.sendall(b"\x00\x00\x00\x01")
    assert python_worker_daemon.worker(ours, False) == 0
    assert calls == [(ours, False)] and opened == []
    assert ours.recv(4) == b"\x00\x00\x00\x01"   # only peeked at: the task's bytes are the worker's to read


def test_a_socket_closed_while_the_task_writes_ends_the_worker_quietly(pair, opened, monkeypatch):
    ours, spark = pair

    def task_then_closed(sock, _auth):
        sock.recv(1)
        spark.close()
        sock.sendall(b"results")
        sock.sendall(b"more results")   # the first write into a closed Unix socket fails already; TCP's second
        return 0
    monkeypatch.setattr(python_worker_daemon, "_pyspark_worker", task_then_closed)
    spark.sendall(b"t")
    assert python_worker_daemon.worker(ours, True) == 1
    assert opened == ["session"]


def test_the_daemon_module_starts_no_thread_when_imported():
    import subprocess
    import sys

    code = ("import threading, userprofiles.consumer.python_worker_daemon; "
            "print(threading.active_count())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"
