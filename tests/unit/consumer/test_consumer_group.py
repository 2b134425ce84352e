"""The consumer group's side of the progress: what is committed, and how a reader gets it back."""
import json

import pytest

from userprofiles.consumer.consumer_group import BatchNote, end_offsets, percentile


def test_a_note_reads_back_as_written():
    note = BatchNote(41, 1_764_000_000_123, 250, 180.0, 410.5)
    assert BatchNote.from_json(note.to_json()) == note
    assert len(note.to_json()) < 200   # far under the broker's offset.metadata.max.bytes (4096)


@pytest.mark.parametrize("text", [None, "", "{}", "not json", '{"batch": "x", "committed_ms": 1}', "[1, 2]",
                                  '{"committed_ms": 5}'])
def test_a_commit_without_our_note_has_none(text):
    assert BatchNote.from_json(text) is None


def test_percentiles_by_nearest_rank():
    values = list(range(1, 101))
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile([7], 95) == 7
    assert percentile([], 50) is None
    assert percentile([3, 1, 2], 100) == 3


def test_end_offsets_from_sparks_progress():
    text = json.dumps({"users_profiles": {"0": 12, "2": 30}, "other": {"1": 4}})
    assert end_offsets(text) == {"users_profiles": {0: 12, 2: 30}, "other": {1: 4}}
    assert end_offsets(json.loads(text)) == end_offsets(text)
    assert end_offsets(None) == {} and end_offsets("garbage") == {} and end_offsets("[1]") == {}
