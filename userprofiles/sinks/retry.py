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


class RetryBudget:
    """The waits between attempts at one write (1 s, doubling to 10 s) while its budget lasts; past it, the
    write fails with a SinkUnavailable that names what failed and the fix."""

    def __init__(self, what: str, budget_s: float, fix: str):
        self.what, self.budget_s, self.fix = what, budget_s, fix
        self.deadline = time.monotonic() + budget_s
        self.delay = 1.0

    def wait(self, exc: BaseException, part: str = "") -> None:
        """After the transient error EXC (of PART of the write, when only a part is tried again)."""
        if time.monotonic() + self.delay > self.deadline:
            raise SinkUnavailable(f"{self.what} failed for {self.budget_s:.0f}s ({type(exc).__name__}: "
                                  f"{str(exc)[:200]}); {self.fix}") from exc
        log.warning("%s%s failed (%s); retrying in %.0fs", self.what, f": {part}" if part else "",
                    type(exc).__name__, self.delay)
        time.sleep(self.delay)
        self.delay = min(self.delay * 2, 10.0)


def with_retry(what: str, fn: Callable[[], T], transient: tuple[type[BaseException], ...],
               budget_s: float, fix: str) -> T:
    """Call fn until it succeeds, waiting after each transient error while the budget lasts."""
    budget = RetryBudget(what, budget_s, fix)
    while True:
        try:
            return fn()
        except transient as exc:
            budget.wait(exc)
