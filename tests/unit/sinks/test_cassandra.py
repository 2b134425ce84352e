"""Grouping of bound rows into the Cassandra writer's unlogged batches, sized by serialised bytes (no server)."""
import uuid

from userprofiles.sinks.cassandra import BATCH_MAX_BYTES, group_batches, serialized_bytes


class Bound:
    """Stands for a BoundStatement: its serialised values."""
    def __init__(self, *values: bytes):
        self.values = list(values)


def rows(n, text="x" * 10):
    return [(i, Bound(uuid.uuid4().bytes, text.encode("utf-8"))) for i in range(n)]


def sizes(rs):
    return [serialized_bytes(b) for _, b in rs]


def test_every_row_once_in_order_and_at_most_max_rows_per_batch():
    rs = rows(1234)
    groups = group_batches(rs, sizes(rs), 50)
    assert [r for g in groups for r in g] == rs
    assert all(1 <= len(g) <= 50 for g in groups)
    assert len(groups) == 25


def test_sizes_count_utf8_bytes_not_characters():
    """4-byte characters: 2,500 of them are 10,000 bytes; a character count would see a quarter."""
    emoji = rows(40, text="\U0001F600" * 2500)
    assert all(s >= 10_000 for s in sizes(emoji))
    groups = group_batches(emoji, sizes(emoji), 50)
    assert all(sum(serialized_bytes(b) for _, b in g) <= BATCH_MAX_BYTES for g in groups)
    assert max(len(g) for g in groups) == 3


def test_a_row_larger_than_the_cap_goes_alone():
    rs = rows(3, text="z" * 45_000)
    assert [len(g) for g in group_batches(rs, sizes(rs), 50)] == [1, 1, 1]


def test_grouped_by_replica():
    rs = rows(300)
    replica = {i: uuid.UUID(bytes=b.values[0]).int % 3 for i, b in rs}
    groups = group_batches(rs, sizes(rs), 40, lambda r: replica[r[0]])
    assert sorted(r[0] for g in groups for r in g) == list(range(300))
    assert all(len({replica[r[0]] for r in g}) == 1 for g in groups)
    assert all(len(g) <= 40 for g in groups)


def test_one_row_per_insert_when_batching_is_off():
    rs = rows(5)
    assert [len(g) for g in group_batches(rs, sizes(rs), 1)] == [1] * 5
