"""What the synthetic tests share: a fixed "now" and the API's date format."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

NOW = datetime(2026, 3, 14, 9, 26, 53, 589000, tzinfo=UTC)


def parse_iso(s: str) -> datetime:
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def by_nat(records: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        out[r["nat"]].append(r)
    return out
