"""Dead letters: messages that cannot become a row go to their own Kafka topic, written by the executors
with Spark's Kafka sink. At-least-once: a replayed batch may repeat a dead letter; its key
(topic:partition:offset of the source message) identifies it."""
from __future__ import annotations

from pyspark.sql import DataFrame


def write(dead_letters: DataFrame, kafka_options: dict, topic: str) -> None:
    (dead_letters.write.format("kafka").options(**kafka_options).option("topic", topic).save())
