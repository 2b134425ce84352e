"""Fixtures and the results file of both fault-injection suites (make chaos, make chaos-cluster). Each suite's
conftest imports the fixtures and calls require_running and write_results with its own services and words."""
from __future__ import annotations

import datetime as dt
import os
import platform
from pathlib import Path

import pytest

from .chaos import RESULTS, SEED, table
from .clients import close_clients, resilient_session
from .paths import ROOT
from .sandbox import Sandbox
from .stack import STACK_HOME, service_running


@pytest.fixture(scope="session", autouse=True)
def chaos_clients():
    """The shared clients closed at the end of the run, while the drivers' threads can still stop cleanly."""
    yield
    close_clients()


@pytest.fixture
def sandbox():
    """A private topic pair (replicated as KAFKA_REPLICATION_FACTOR/KAFKA_MIN_ISR say), keyspace and database,
    dropped afterwards as far as the stores answer."""
    sb = Sandbox()
    sb.create_topics()
    yield sb
    sb.drop(resilient_session, quiet=True)


def require_running(suite: str, services, start_with: str) -> None:
    """Stop the run at once, in one line, when a service the scenarios need is not running under STACK_HOME."""
    for svc in services:
        if not service_running(svc):
            pytest.exit(f"{suite}: {svc} is not running under STACK_HOME={STACK_HOME}; start {start_with} "
                        f"(same environment) first.", returncode=2)


def write_results(terminalreporter, title: str, path: Path, heading: str, context: str, notes: str) -> None:
    """The table of the scenarios that ran, on the terminal and in PATH (Markdown: HEADING, the run's
    date, machine and seed with CONTEXT, the table, NOTES)."""
    if not RESULTS:
        return
    text = table(RESULTS)
    terminalreporter.write_sep("=", title)
    terminalreporter.write_line(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"{heading}\n\n"
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
        f"({os.cpu_count()} cores), seed {SEED}{context}.\n\n"
        f"{text}\n\n{notes}", encoding="utf-8")
    terminalreporter.write_line(f"(written to {path.relative_to(ROOT)})")
