"""The executor side of a batch that needs no server: counting and de-duplication of a partition's rows."""
from userprofiles.pipeline import latest_valid
from userprofiles.schema import PROFILE_COLUMNS

N = len(PROFILE_COLUMNS)


def row(status, ident, offset, tag="x"):
    return (status, ident) + (tag,) * (N - 1) + (offset,)


def test_counts_every_status_and_keeps_the_latest_offset_of_each_profile():
    rows = [row("valid", "a", 5, "old"), row("valid", "b", 1), row("filtered", "c", 2), row("dead", None, 3),
            row("valid", "a", 9, "new"), row("valid", "a", 7, "middle"), row("dead", None, 4)]
    counts, profiles = latest_valid(iter(rows))
    assert counts == {"valid": 4, "filtered": 1, "dead": 2}
    by_id = {p[0]: p for p in profiles}
    assert set(by_id) == {"a", "b"}
    assert by_id["a"] == ("a",) + ("new",) * (N - 1)
    assert all(len(p) == N for p in profiles)


def test_empty_partition():
    assert latest_valid(iter([])) == ({"valid": 0, "filtered": 0, "dead": 0}, [])
