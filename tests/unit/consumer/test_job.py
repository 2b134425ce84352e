"""job.kafka_stream: the Kafka source as the query reads it. Nothing connects to Kafka here: a streaming
DataFrame is only planned until its query starts."""
from userprofiles.config.settings import KafkaSettings, StreamSettings
from userprofiles.consumer import job


def _coalesce(df):
    """The number of partitions of the plan's Repartition without shuffle (coalesce), or None."""
    node = df._jdf.queryExecution().logical()
    while node is not None:
        if node.nodeName() == "Repartition" and not node.shuffle():
            return node.numPartitions()
        children = node.children()
        node = children.head() if children.nonEmpty() else None
    return None


def test_in_local_mode_the_read_runs_one_task_per_core_not_one_per_kafka_partition(spark):
    df = job.kafka_stream(spark, KafkaSettings(bootstrap_servers="127.0.0.1:1", topic="t"), StreamSettings())
    assert df.isStreaming
    assert spark.sparkContext.master.startswith("local")
    assert _coalesce(df) == spark.sparkContext.defaultParallelism == 2  # tests/conftest.py: local[2]
