"""The `make status` samples in README.md and docs/ are real runs' output: their figures agree with each other
and with the code (the topic's partitions, the analytics' collections, the lag's arithmetic)."""
import re

import pytest

from tests.support.paths import ROOT
from userprofiles.domain import analytics

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def names() -> dict[str, str]:
    lines = (ROOT / "stack" / "names.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def status_samples() -> list[tuple[str, str]]:
    out = []
    for doc in DOCS:
        for block in re.findall(r"```[a-z]*\n(.*?)```", doc.read_text(), re.S):
            if "pipeline status, read in" in block:
                out.append((doc.name, block))
    return out


def test_the_readme_quickstart_shows_a_status_sample():
    assert any(name == "README.md" for name, _ in status_samples())


@pytest.mark.parametrize("doc,block", status_samples(), ids=lambda v: v if v.endswith(".md") else "")
def test_each_status_sample_adds_up(doc, block):
    n = names()
    messages, partitions = map(int, re.search(r"users_profiles: (\d+) messages in (\d+) partitions", block).groups())
    rows = int(re.search(r"users_profiles: (\d+) rows", block).group(1))
    profiles = int(re.search(r"users_profiles_analytics: (\d+) profiles", block).group(1))
    assert partitions == int(n["KAFKA_PARTITIONS"]), doc
    assert rows == profiles, f"{doc}: the rows and the analytics' profiles always agree"
    by = dict(re.findall(r"^ +(by_\w+) +\d+ +(\d+)$", block, re.M))
    assert set(by) == set(analytics.COLLECTIONS), doc
    assert all(int(v) == profiles for v in by.values()), doc
    parts = re.findall(r"^ +(\d+) +(\d+) +(\d+|-) +(\d+)$", block, re.M)
    assert [int(p[0]) for p in parts] == list(range(partitions)), doc
    assert sum(int(p[1]) for p in parts) == messages, doc
    for _, end, committed, lag in parts:
        assert int(lag) == int(end) - (0 if committed == "-" else int(committed)), doc
    dead = re.search(r"dead letters in \w+: (\d+)", block)
    reasons = re.findall(r"^ +(\d+)  [a-z]", block, re.M)
    assert dead and sum(map(int, reasons)) == int(dead.group(1)), doc
