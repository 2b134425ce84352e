"""The consumer's micro-batch history document (userprofiles/consumer/progress_record.py)."""
from userprofiles.consumer.consumer_group import BatchNote
from userprofiles.consumer.progress_record import progress_doc


def test_progress_document_of_a_micro_batch():
    note = BatchNote(7, 1_000, 30, 12.5, 40.0)
    assert progress_doc("q", note, {"written": 28, "dead_lettered": 2}, 900) == {
        "_id": "q:7", "query": "q", "batch": 7, "committed_ms": 1_000, "rows": 30, "written": 28,
        "dead_lettered": 2, "p50_ms": 12.5, "p95_ms": 40.0, "duration_ms": 900}
