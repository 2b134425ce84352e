"""sinks/connections.py: one connection per key, made once, closed newest first by close_all."""
import threading

import pytest

from userprofiles.sinks import connections


@pytest.fixture(autouse=True)
def _empty():
    connections.close_all()
    yield
    connections.close_all()


def test_a_connection_is_made_once_and_reused():
    made = []
    first = connections.shared(("svc", 1), lambda: made.append(1) or object(), lambda c: None)
    again = connections.shared(("svc", 1), lambda: made.append(2) or object(), lambda c: None)
    assert first is again and made == [1]


def test_close_all_closes_newest_first_and_then_makes_new_ones():
    closed = []
    session = connections.shared(("session",), lambda: "session", closed.append)
    connections.shared(("statement", "session"), lambda: "statement")   # nothing to close
    connections.shared(("producer",), lambda: "producer", closed.append)
    connections.close_all()
    assert closed == ["producer", "session"] and connections.held() == []
    assert connections.shared(("session",), lambda: "new session", closed.append) == "new session" != session


def test_a_failing_close_does_not_keep_the_others_open(caplog):
    closed = []

    def broken(_c):
        raise OSError("the server went away")
    connections.shared(("a",), lambda: "a", closed.append)
    connections.shared(("b",), lambda: "b", broken)
    connections.close_all()
    assert closed == ["a"]
    assert "closing b failed (OSError: the server went away)" in caplog.text


def test_drop_closes_one():
    closed = []
    connections.shared(("a",), lambda: "a", closed.append)
    connections.shared(("b",), lambda: "b", closed.append)
    connections.drop(("a",))
    assert closed == ["a"] and connections.held() == [("b",)]


def test_made_twice_at_once_keeps_one_and_closes_the_other():
    closed, start = [], threading.Barrier(2)

    def make():
        start.wait(5)
        return object()
    got = []
    threads = [threading.Thread(target=lambda: got.append(connections.shared(("k",), make, closed.append)))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert got[0] is got[1] and len(closed) == 1 and closed[0] is not got[0]
