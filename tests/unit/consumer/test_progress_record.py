"""The consumer's micro-batch history document (userprofiles/consumer/progress_record.py)."""
from userprofiles.consumer.consumer_group import BatchNote
from userprofiles.consumer.progress_record import progress_doc


def test_progress_document_of_a_micro_batch():
    note = BatchNote(7, 1_000, 30, 12.5, 40.0)
    stats = {"read": 30, "valid": 28, "profiles.written": 28, "deadletters.sent": 2, "seconds": 0.9}
    assert progress_doc("q", note, stats, 900) == {
        "_id": "q:7", "query": "q", "batch": 7, "committed_ms": 1_000, "rows": 30,
        "sinks": {"profiles": {"written": 28}, "deadletters": {"sent": 2}},
        "p50_ms": 12.5, "p95_ms": 40.0, "duration_ms": 900}
