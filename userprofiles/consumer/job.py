"""The consumer's streaming query: Kafka -> parse, validate, transform (transform.py) -> the per-profile state
(jvm.py) -> the row sinks, task by task, then foreachBatch for the analytics (write_protocol.py). All of it is
one streaming plan: Spark analyses it once, not per micro-batch, and its generated code is the same for every
micro-batch."""
from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.streaming import StreamingQuery

from userprofiles.config.settings import KafkaSettings, StreamSettings
from userprofiles.consumer import jvm, transform
from userprofiles.consumer.write_protocol import MicroBatchWriter, task_results


def kafka_stream(spark: SparkSession, kafka: KafkaSettings, stream: StreamSettings) -> DataFrame:
    reader = (spark.readStream.format("kafka").options(**kafka.spark_options())
              .option("subscribe", kafka.topic)
              .option("startingOffsets", stream.starting_offsets)
              .option("includeHeaders", "false")
              # Kafka's default (500 ms) would be most of a small micro-batch's time (bench/RESULTS.md).
              .option("kafka.fetch.max.wait.ms", str(stream.kafka_fetch_wait_ms)))
    if stream.max_offsets_per_trigger > 0:
        reader = reader.option("maxOffsetsPerTrigger", str(stream.max_offsets_per_trigger))
    records = reader.load()
    if spark.sparkContext.master.startswith("local"):
        # One read task per core instead of one per Kafka partition (6 on the stack's topic): a small micro-batch
        # then waits for one round of task launches, not three, and a large one still uses every core
        # (bench/RESULTS.md). A cluster keeps a task per partition, since its cores may outnumber them.
        records = records.coalesce(spark.sparkContext.defaultParallelism)
    return records


def start_query(spark: SparkSession, writer: MicroBatchWriter, seed: DataFrame) -> StreamingQuery:
    kafka, stream = writer.settings.kafka, writer.settings.stream
    changes = jvm.profile_changes(transform.sink_records(kafka_stream(spark, kafka, stream)), seed)
    trigger = ({"availableNow": True} if stream.available_now else
               {"processingTime": f"{stream.trigger_seconds} seconds"})
    return (task_results(changes, writer.settings).writeStream.foreachBatch(writer).trigger(**trigger)
            .option("checkpointLocation", stream.checkpoint_dir).queryName(stream.query_name).start())
