"""The per-micro-batch progress (userprofiles/consumer/progress.py): the Kafka lag per topic from Spark's offsets."""
import json
from types import SimpleNamespace

from userprofiles.consumer.progress import kafka_lag


def test_kafka_lag_is_latest_minus_processed_per_topic():
    latest = json.dumps({"t": {"0": 10, "1": 7}, "u": {"0": 3}})
    end = json.dumps({"t": {"0": 4, "1": 7}, "u": {"0": 3}})
    assert kafka_lag(latest, end) == {"t": 6, "u": 0}
    assert kafka_lag(None, end) == {}


def test_the_listener_records_a_micro_batch_after_its_group_commit_only():
    from userprofiles.consumer.progress import ProgressListener

    class Group:
        ok = True
        def commit(self, ends, note):   # noqa: E301
            return self.ok

    class Recorder:
        notes = []
        def record(self, note, stats, duration_ms):   # noqa: E301
            self.notes.append((note.batch, note.rows, duration_ms))

    group, recorder = Group(), Recorder()
    listener = ProgressListener(group=group, recorder=recorder)

    def progress(batch, end):
        src = SimpleNamespace(endOffset=json.dumps({"t": {"0": end}}), latestOffset=None)
        return SimpleNamespace(progress=SimpleNamespace(batchId=batch, sources=[src], numInputRows=5,
                                                        batchDuration=700))

    listener.onQueryProgress(progress(3, 10))
    listener.onQueryProgress(progress(4, 10))   # nothing new read: no commit, no record
    group.ok = False
    listener.onQueryProgress(progress(5, 15))   # the group commit failed: no record either
    assert recorder.notes == [(3, 5, 700)]
