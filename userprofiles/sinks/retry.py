"""Retrying a sink write while its service is briefly unreachable (a restart, a failover)."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


class SinkUnavailable(RuntimeError):
    """A sink stayed unreachable for longer than the retry budget."""


class SinkRefused(RuntimeError):
    """A sink refused for good something that the plan's checks let through: the micro-batch stops (and is
    replayed once the cause is fixed) rather than leave the stores and the state apart."""


def with_retry(what: str, fn: Callable[[], T], transient: tuple[type[BaseException], ...],
               budget_s: float, fix: str) -> T:
    """Call fn until it succeeds; on a transient error wait (1 s doubling to 10 s) while the budget lasts."""
    deadline = time.monotonic() + budget_s
    delay = 1.0
    while True:
        try:
            return fn()
        except transient as exc:
            if time.monotonic() + delay > deadline:
                raise SinkUnavailable(f"{what} failed for {budget_s:.0f}s ({type(exc).__name__}: "
                                      f"{str(exc)[:200]}); {fix}") from exc
            log.warning("%s failed (%s); retrying in %.0fs", what, type(exc).__name__, delay)
            time.sleep(delay)
            delay = min(delay * 2, 10.0)
