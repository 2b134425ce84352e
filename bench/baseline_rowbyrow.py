"""The common public design of this pipeline, as the benchmark's baseline: each micro-batch is
collect()ed to the driver, then every row is written with one synchronous Cassandra INSERT and one
MongoDB update_one($inc, upsert) per analytics collection.

It takes the same flags as consumer_spark.py and reuses the project's parsing and transformations
(Spark SQL), so that the only difference measured is the write design. It is kinder than most public
versions: the INSERT is prepared once. It keeps none of the pipeline's guarantees (no de-duplication,
a replayed batch is counted again) and writes no dead letters.

    spark-submit bench/baseline_rowbyrow.py --topic T --keyspace K --mongo-db D --checkpoint DIR [--available-now]
"""
from __future__ import annotations

import logging
import sys
import time
import uuid

from userprofiles.config.logs import setup_logging
from userprofiles.config.options import consumer_parser, consumer_settings

# The project is installed in the venv (pip install -e .), so spark-submit of this file imports it as is.
from userprofiles.consumer import transform
from userprofiles.domain import analytics
from userprofiles.domain.profile import PROFILE_COLUMNS

log = logging.getLogger("baseline")


def main(argv=None) -> int:
    settings = consumer_settings(consumer_parser().parse_args(argv))
    setup_logging(settings.log_level)
    from pymongo import MongoClient

    from userprofiles.consumer.job import kafka_stream
    from userprofiles.consumer.spark_runtime import build_spark
    from userprofiles.sinks import cassandra, cassandra_connection

    cassandra.ensure_schema(settings.cassandra)
    session = cassandra_connection.session(settings.cassandra)
    insert = session.prepare(cassandra.insert_statement(settings.cassandra))
    db = MongoClient(settings.mongo.uri, **settings.mongo.login())[settings.mongo.db]

    def handle(df, batch_id):
        t0 = time.monotonic()
        rows = transform.to_profiles(transform.classify(transform.parse(df))).collect()
        for r in rows:
            session.execute(insert, (uuid.UUID(r["identifiant"]),) + tuple(r[c] for c in PROFILE_COLUMNS[1:]))
            db.by_nationality.update_one({"_id": r["nationality"]},
                                         {"$inc": {"count": 1, "age_sum": r["age"]}}, upsert=True)
            db.by_gender.update_one({"_id": r["gender"]}, {"$inc": {"count": 1}}, upsert=True)
            db.by_age_group.update_one({"_id": analytics.age_group(r["age"])}, {"$inc": {"count": 1}}, upsert=True)
            db.by_email_domain.update_one({"_id": r["domain_name"]}, {"$inc": {"count": 1}},
                                          upsert=True)
        log.info("micro-batch %d: written=%d in %.2fs", batch_id, len(rows), time.monotonic() - t0)

    stream = settings.stream
    spark = build_spark(stream)
    writer = (kafka_stream(spark, settings.kafka, stream).writeStream.foreachBatch(handle)
              .option("checkpointLocation", stream.checkpoint_dir).queryName("baseline_rowbyrow"))
    writer = (writer.trigger(availableNow=True) if stream.available_now
              else writer.trigger(processingTime=f"{stream.trigger_seconds} seconds"))
    query = writer.start()
    try:
        query.awaitTermination()
    except KeyboardInterrupt:
        query.stop()
    finally:
        db.client.close()
        cassandra_connection.close(session)
    return 0


if __name__ == "__main__":
    sys.exit(main())
