"""The per-micro-batch progress (userprofiles/consumer/progress.py): the Kafka lag per topic from Spark's offsets."""
import json

from userprofiles.consumer.progress import kafka_lag


def test_kafka_lag_is_latest_minus_processed_per_topic():
    latest = json.dumps({"t": {"0": 10, "1": 7}, "u": {"0": 3}})
    end = json.dumps({"t": {"0": 4, "1": 7}, "u": {"0": 3}})
    assert kafka_lag(latest, end) == {"t": 6, "u": 0}
    assert kafka_lag(None, end) == {}
