"""The machinery of the fault-injection scenarios (tests/chaos, tests/chaos_cluster): the input, the
pipeline's output measured against it while and after faults are injected, and the table of figures each
scenario adds a row to.

Environment: CHAOS_SEED (4) fixes the users and the kill points; CHAOS_USERS (5000) the input size;
CHAOS_DOWN_SECONDS (30) how long a service or a node stays down; CHAOS_FEED_SECONDS (100) the producer's pace
in an outage (the input over that time), CHAOS_FEED_TAIL_SECONDS (10) how long it keeps that pace once the
service is back (then the input goes again at full speed)."""
from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from tests.reference import Day, age, expected_analytics

from .clients import consume_all, message_days, records_in, resilient_session, watermarks
from .processes import Feed

SEED = int(os.environ.get("CHAOS_SEED", "4"))
N_USERS = int(os.environ.get("CHAOS_USERS", "5000"))
DOWN_S = float(os.environ.get("CHAOS_DOWN_SECONDS", "30"))
# The pace of the producer in a service-outage scenario: the whole input over FEED_S, longer than the
# consumer's start, the outage and the service's restart, so that the service goes away and comes back while
# records still arrive. FEED_TAIL_S after the service is back, the rest goes at full speed (Feed.hurry_after).
FEED_S = float(os.environ.get("CHAOS_FEED_SECONDS", "100"))
FEED_TAIL_S = float(os.environ.get("CHAOS_FEED_TAIL_SECONDS", "10"))
COMPLETE_TIMEOUT = 900


# --- results ---------------------------------------------------------------------------------------

@dataclass
class Row:
    scenario: str
    records_in: int = 0
    rows_expected: int = 0
    rows_stored: int = 0
    duplicates: int = 0
    analytics_exact: bool = False
    recovery_s: float | None = None
    notes: str = ""

    COLUMNS = ("scenario", "records in", "rows expected", "rows stored", "duplicates", "analytics exact",
               "recovery time (s)", "notes")

    def cells(self) -> list[str]:
        return [self.scenario, f"{self.records_in:,}", f"{self.rows_expected:,}", f"{self.rows_stored:,}",
                str(self.duplicates), "yes" if self.analytics_exact else "no",
                "-" if self.recovery_s is None else f"{self.recovery_s:.0f}", self.notes]


RESULTS: list[Row] = []


def table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(Row.COLUMNS) + " |", "|" + "|".join("---" for _ in Row.COLUMNS) + "|"]
    lines += ["| " + " | ".join(r.cells()) + " |" for r in rows]
    return "\n".join(lines)


# --- input -----------------------------------------------------------------------------------------

@dataclass
class Input:
    users: list[dict]
    path: Path
    garbage: int
    today: dt.date = field(default_factory=lambda: dt.datetime.now(dt.UTC).date())  # the run's first day

    def days(self, topic: str) -> Day:
        """The day each profile's age is computed on: the run's day while it lasts; once the run has crossed
        midnight UTC, each profile's latest copy's day, read from the topic (today's for one not sent yet)."""
        now = dt.datetime.now(dt.UTC).date()
        if now == self.today:
            return now
        return defaultdict(lambda: now, message_days(topic))

    def expected_ids(self, days: Day) -> set[str]:
        """The users whose latest copy (the last in `users`) is older than 13."""
        latest = {u["login"]["uuid"].lower(): u for u in self.users}
        return {i for i, u in latest.items() if age(u, days) > 13}

    def expected_analytics(self, days: Day) -> dict:
        return expected_analytics(self.users, days)


def make_input(tmp: Path, n: int, seed: int, garbage_every: int = 100) -> Input:
    """N synthetic users as JSON Lines, with a line that is not JSON every GARBAGE_EVERY users (it must
    become a dead letter, once per copy that reaches the topic)."""
    from userprofiles.producer import synthetic

    users = synthetic.generate_users(n, seed=seed, now=dt.datetime.now(dt.UTC), minor_share=0.05)
    lines, garbage = [], 0
    for i, u in enumerate(users):
        lines.append(json.dumps(u, ensure_ascii=False))
        if garbage_every and i % garbage_every == garbage_every - 1:
            lines.append(f"garbage line {garbage} (not JSON)")
            garbage += 1
    path = tmp / "input.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Input(users, path, garbage)


# --- measuring the output --------------------------------------------------------------------------

@dataclass
class Observed:
    ids: set = field(default_factory=set)
    row_count: int = 0
    analytics: dict = field(default_factory=dict)

    @property
    def counted(self) -> int:
        return sum(v["count"] for v in self.analytics.get("by_gender", {}).values())


def observe(sandbox) -> Observed:
    rs = resilient_session().execute(f"SELECT identifiant FROM {sandbox.keyspace}.users_profiles", timeout=60)
    ids = [str(r.identifiant) for r in rs]
    an = sandbox.analytics()
    return Observed(set(ids), len(ids), an)


def wait_complete(sandbox, inp: Input, timeout: float, watch=None) -> tuple[float | None, Observed]:
    """Poll the stores until they hold exactly the expected rows and analytics; returns (the monotonic time
    it was first seen complete, or None on timeout, and the last observation). WATCH, called at each
    poll, may restart what died."""
    deadline = time.monotonic() + timeout
    last = Observed()
    while time.monotonic() < deadline:
        if watch:
            watch()
        try:
            days = inp.days(sandbox.topic)
            want_ids, want_an = inp.expected_ids(days), inp.expected_analytics(days)
            last = observe(sandbox)
        except Exception:  # a store is (still) down: keep polling, with a new Cassandra session
            resilient_session.close()
            time.sleep(2)
            continue
        if last.ids == want_ids and last.analytics == want_an:
            return time.monotonic(), last
        time.sleep(1)
    return None, last


def committed_offsets(checkpoint: Path, topic: str) -> dict[int, int]:
    """The source offsets up to which the consumer's checkpoint has committed batches."""
    commits = [int(p.name) for p in (checkpoint / "commits").glob("[0-9]*")]
    if not commits:
        return {}
    last = (checkpoint / "offsets" / str(max(commits))).read_text().strip().splitlines()[-1]
    return {int(k): v for k, v in json.loads(last).get(topic, {}).items()}


def wait_caught_up(sandbox, checkpoint: Path, timeout: float, watch=None) -> bool:
    """Wait until the consumer has committed every message of the topic (the stores can be complete
    earlier, while it still reads copies and garbage sent again)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if watch:
            watch()
        try:
            ends = {p: hi for p, (_lo, hi) in watermarks(sandbox.topic).items()}
            if committed_offsets(checkpoint, sandbox.topic) == ends:
                return True
        except Exception:
            pass
        time.sleep(1)
    return False


def settle(sandbox, inp: Input, checkpoint: Path, watch=None, feed: Feed | None = None
           ) -> tuple[float | None, Observed]:
    """After the faults: wait until the stores are complete, (for FEED's last run to finish,) then until the
    consumer has committed every message; returns when the stores were first complete (None: not within
    COMPLETE_TIMEOUT) and the figures once every message was read, copies and garbage included."""
    done, _ = wait_complete(sandbox, inp, COMPLETE_TIMEOUT, watch)
    if feed is not None:
        feed.wait(watch)
    assert wait_caught_up(sandbox, checkpoint, 300, watch), "the consumer did not commit every message in 300 s"
    return done, observe(sandbox)


def dead_letter_check(sandbox, total_in: int) -> tuple[int, int]:
    """(source messages that are garbage, those of them with a dead letter)."""
    source = consume_all(sandbox.topic, total_in, timeout=60)
    garbage = {(m.partition(), m.offset()) for m in source if (m.value() or b"").startswith(b"garbage line")}
    letters = {(json.loads(m.value())["source_partition"], json.loads(m.value())["source_offset"])
               for m in consume_all(sandbox.dlq, len(garbage), timeout=60)}
    return len(garbage), len(garbage & letters)


def finish(row: Row, sandbox, inp: Input, obs: Observed) -> Row:
    row.records_in = records_in(sandbox.topic)
    days = inp.days(sandbox.topic)
    row.rows_expected = len(inp.expected_ids(days))
    row.rows_stored = obs.row_count
    # Cassandra rows cannot repeat (the uuid is the key); a profile counted twice in the analytics can.
    row.duplicates = (obs.row_count - len(obs.ids)) + max(0, obs.counted - row.rows_expected)
    row.analytics_exact = obs.analytics == inp.expected_analytics(days)
    RESULTS.append(row)
    print("\n" + table([row]).splitlines()[-1], flush=True)
    return row


def assert_exact(row: Row, sandbox, inp: Input) -> None:
    """What every scenario must end with: each expected row stored once, the exact analytics, and a dead
    letter for every garbage line that reached the topic."""
    assert row.rows_stored == row.rows_expected, row
    assert row.duplicates == 0, row
    assert row.analytics_exact, row
    garbage, lettered = dead_letter_check(sandbox, row.records_in)
    assert garbage >= inp.garbage and lettered == garbage, (garbage, lettered)


def running_batch(checkpoint: Path) -> int | None:
    """The micro-batch the consumer is in the middle of: its offsets are written, its commit is not."""
    def ids(folder: str) -> list[int]:
        return [int(p.name) for p in (checkpoint / folder).glob("[0-9]*")]
    offsets, commits = ids("offsets"), ids("commits")
    if offsets and max(offsets) > max(commits, default=-1):
        return max(offsets)
    return None


def wait_mid_batch(checkpoint: Path, timeout: float, after_s: float = 0.0) -> int | None:
    """Wait until a micro-batch is running, then AFTER_S more seconds if it still is; its id, or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch = running_batch(checkpoint)
        if batch is not None:
            time.sleep(after_s)
            if running_batch(checkpoint) == batch:
                return batch
        time.sleep(0.01)
    return None
