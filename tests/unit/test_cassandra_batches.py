"""Grouping of rows into the Cassandra writer's unlogged batches (no server needed)."""
import uuid

from userprofiles.sinks.cassandra import BATCH_MAX_BYTES, _row_bytes, group_batches


def rows(n, text="x" * 10):
    return [(uuid.uuid4(), text, n) for _ in range(n)]


def test_every_row_once_in_order_and_at_most_max_rows_per_batch():
    rs = rows(1234)
    groups = group_batches(rs, 50)
    assert [r for g in groups for r in g] == rs
    assert all(1 <= len(g) <= 50 for g in groups)
    assert len(groups) == 25


def test_large_rows_split_by_bytes():
    rs = rows(100, text="y" * 5000)
    groups = group_batches(rs, 50)
    assert [r for g in groups for r in g] == rs
    assert all(sum(_row_bytes(r) for r in g) <= BATCH_MAX_BYTES for g in groups)
    assert len(groups) > 2


def test_a_row_larger_than_the_cap_goes_alone():
    rs = rows(3, text="z" * 30000)
    assert [len(g) for g in group_batches(rs, 50)] == [1, 1, 1]


def test_grouped_by_replica():
    rs = rows(300)
    replica = {r[0]: r[0].int % 3 for r in rs}
    groups = group_batches(rs, 40, lambda r: replica[r[0]])
    assert sorted(map(tuple, (r for g in groups for r in g))) == sorted(rs)
    assert all(len({replica[r[0]] for r in g}) == 1 for g in groups)
    assert all(len(g) <= 40 for g in groups)


def test_one_row_per_insert_when_batching_is_off():
    assert [len(g) for g in group_batches(rows(5), 1)] == [1] * 5
