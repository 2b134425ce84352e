"""The parts of a batch that need no server: the latest copy, the claim decisions, the counter deltas and
the replay clock."""
import datetime as dt
import json

from userprofiles import analytics
from userprofiles.executor import SinkRecord, latest_copies
from userprofiles.microbatch import batch_records
from userprofiles.schema import PROFILE_COLUMNS
from userprofiles.sinks.mongo import Candidate, plan_claims
from userprofiles.transform import SINK_COLUMNS

IDX = {c: i for i, c in enumerate(SINK_COLUMNS)}


def row(status, ident, ts, partition, offset, tag="x"):
    r = [None] * len(SINK_COLUMNS)
    r[IDX["status"]], r[IDX["identifiant"]] = status, ident
    r[IDX["timestamp_ms"]], r[IDX["partition"]], r[IDX["offset"]] = ts, partition, offset
    r[IDX["full_name"]] = tag
    return tuple(r)


def test_latest_copy_is_by_timestamp_then_partition_then_offset_across_partitions():
    rows = [row("valid", "a", 100, 0, 5, "old"), row("valid", "b", 100, 0, 1), row("filtered", "c", 1, 0, 2),
            row("dead", None, 1, 0, 3), row("valid", "a", 100, 2, 1, "new"),  # same time, later partition
            row("valid", "a", 99, 5, 900, "older-time"), row("dead", None, 1, 0, 4),
            row("filtered", "b", 101, 1, 0, "now-a-minor")]
    counts, dead, latest = latest_copies(iter(rows))
    assert counts == {"valid": 4, "filtered": 2, "dead": 2}
    assert len(dead) == 2
    assert latest["a"].full_name == "new"
    assert latest["b"].full_name == "now-a-minor" and latest["b"].status == "filtered"
    assert latest["a"].version() == (100, 2, 1)


def test_the_record_type_follows_the_streaming_plan():
    assert SinkRecord._fields == SINK_COLUMNS
    assert SinkRecord._make(row("valid", "a", 1, 0, 0)).profile() == (("a", None, "x") + (None,) * 9)


def test_empty_partition():
    assert latest_copies(iter([])) == ({"valid": 0, "filtered": 0, "dead": 0}, [], {})


FR = {"nat": "FR", "gender": "female", "age_group": "25-34", "domain": "a.fr", "age": 30}
GB = {"nat": "GB", "gender": "male", "age_group": "35-44", "domain": "b.uk", "age": 40}


def test_claim_decisions():
    current = {
        "changed": {"_id": "changed", "query_id": "q", "batch_id": 3, "version": [10, 0, 1], "attrs": FR, "prev": None},
        "older": {"_id": "older", "query_id": "q", "batch_id": 3, "version": [50, 0, 1], "attrs": FR, "prev": None},
        "replayed": {"_id": "replayed", "query_id": "q", "batch_id": 7, "version": [60, 0, 2], "attrs": GB,
                     "prev": {"query_id": "q", "batch_id": 2, "version": [1, 0, 0], "attrs": FR}},
        "minor": {"_id": "minor", "query_id": "q", "batch_id": 1, "version": [1, 0, 0], "attrs": GB, "prev": None},
    }
    cands = [Candidate("new", (5, 0, 0), FR), Candidate("changed", (20, 0, 9), GB),
             Candidate("older", (40, 1, 7), GB), Candidate("replayed", (60, 0, 2), GB),
             Candidate("minor", (9, 0, 3), None), Candidate("never-counted-minor", (9, 0, 4), None)]
    got = {c.candidate.identifiant: c for c in plan_claims(cands, current, "q", 7)}
    assert {k: c.action for k, c in got.items()} == {
        "new": "new", "changed": "newer", "older": "stale", "replayed": "replay", "minor": "newer",
        "never-counted-minor": "none"}
    # Old keys go down, new keys go up; a replay takes its delta from the stored claim.
    d = analytics.delta(got["changed"].attrs, got["changed"].prev_attrs)
    assert d[("by_nationality", "GB")] == {"count": 1, "age_sum": 40}
    assert d[("by_nationality", "FR")] == {"count": -1, "age_sum": -30}
    assert analytics.delta(got["replayed"].attrs, got["replayed"].prev_attrs) == d
    assert analytics.delta(got["minor"].attrs, got["minor"].prev_attrs) == {
        ("by_nationality", "GB"): {"count": -1, "age_sum": -40}, ("by_gender", "male"): {"count": -1, "age_sum": 0},
        ("by_age_group", "35-44"): {"count": -1, "age_sum": 0},
        ("by_email_domain", "b.uk"): {"count": -1, "age_sum": 0}}
    assert analytics.delta(FR, FR) == {}


def _run_stream(spark, src, checkpoint) -> list[tuple]:
    """transform.sink_records as a streaming query over a folder of JSON lines (Kafka's columns made up)."""
    from pyspark.sql import functions as F

    from userprofiles.transform import sink_records

    out = []
    raw = spark.readStream.text(str(src)).select(
        F.col("value").cast("binary").alias("value"), F.lit("users_profiles").alias("topic"),
        F.lit(0).alias("partition"), F.lit(0).cast("long").alias("offset"),
        F.lit("2026-01-01").cast("timestamp").alias("timestamp"))
    q = (sink_records(raw).writeStream.option("checkpointLocation", str(checkpoint)).trigger(availableNow=True)
         .foreachBatch(lambda df, _id: out.extend((r.status, r.age) for r in df.collect())).start())
    q.awaitTermination(120)
    q.stop()
    return out


def _forget(path):
    """Delete a checkpoint file with the checksum file that Hadoop's local file system keeps beside it."""
    path.unlink()
    (path.parent / f".{path.name}.crc").unlink(missing_ok=True)


def _rewrite(path, text):
    _forget(path)
    path.write_text(text)


def test_a_replayed_batch_is_classified_on_the_clock_of_its_first_attempt(spark, tmp_path):
    """A user who turns 14 at midnight UTC: the batch that first ran at 23:59:59 filters them, and its
    replay the next day must filter them too. Spark gives current_timestamp() the batch's timestamp,
    written to offsets/<id> before the batch runs and read back when the batch is replayed."""
    rec = {"login": {"uuid": "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"}, "email": "a@b.c",
           "dob": {"date": "2012-11-28T00:00:00.000Z"}}
    src, ckpt = tmp_path / "in", tmp_path / "checkpoint"
    src.mkdir()
    (src / "a.json").write_text(json.dumps(rec) + "\n")
    assert len(_run_stream(spark, src, ckpt)) == 1
    # Make batch 0 an unfinished batch that first ran at 2026-11-27 23:59:59 UTC: Spark replays it.
    _forget(ckpt / "commits" / "0")
    entry = (ckpt / "offsets" / "0").read_text().split("\n")
    meta = json.loads(entry[1])
    meta["batchTimestampMs"] = int(dt.datetime(2026, 11, 27, 23, 59, 59, tzinfo=dt.UTC).timestamp() * 1000)
    _rewrite(ckpt / "offsets" / "0", "\n".join([entry[0], json.dumps(meta), *entry[2:]]))
    assert _run_stream(spark, src, ckpt) == [("filtered", 13)]
    # The same record in a new batch of a later day counts.
    meta["batchTimestampMs"] = int(dt.datetime(2026, 11, 28, 0, 0, 1, tzinfo=dt.UTC).timestamp() * 1000)
    _rewrite(ckpt / "offsets" / "0", "\n".join([entry[0], json.dumps(meta), *entry[2:]]))
    _forget(ckpt / "commits" / "0")
    assert _run_stream(spark, src, ckpt) == [("valid", 14)]


def test_the_size_of_a_batch_is_its_end_offsets_minus_the_previous_ones():
    def entry(offsets):
        return "v1\n" + json.dumps({"batchWatermarkMs": 0, "batchTimestampMs": 0, "conf": {}}) + "\n" + \
            json.dumps(offsets)
    prev = entry({"t": {"0": 10, "1": 5}})
    assert batch_records(entry({"t": {"0": 12, "1": 9}}), prev) == 6
    assert batch_records(entry({"t": {"0": 12, "1": 9, "2": 3}}), prev) is None  # a new partition
    assert batch_records(entry({"t": {"0": 12, "1": 9}}), None) is None  # the first batch


def test_sink_columns_start_with_status_reason_and_the_profile():
    assert SINK_COLUMNS[:2] == ("status", "reason")
    assert SINK_COLUMNS[2:2 + len(PROFILE_COLUMNS)] == PROFILE_COLUMNS


def test_a_failed_batch_is_one_line_with_the_batch_the_cause_and_the_fix():
    from userprofiles.errors import cause_line

    spark_prose = ("[STREAM_FAILED] Query [id = 1] terminated with exception: [FOREACH_BATCH_USER_FUNCTION_ERROR]"
                   " An error occurred in the user provided function in foreach batch sink. Reason: "
                   "Traceback (most recent call last):\n  File \"x.py\", line 1\nuserprofiles.errors.BatchFailed: "
                   "batch 7: writing 12 rows to Cassandra 127.0.0.1:9042 failed for 120s (NoHostAvailable: ...); "
                   "start Cassandra (make up)\n\tat org.apache.spark...\n")
    assert cause_line(Exception(spark_prose)) == ("batch 7: writing 12 rows to Cassandra 127.0.0.1:9042 failed for "
                                                  "120s (NoHostAvailable: ...); start Cassandra (make up)")


def test_kafka_lag_is_latest_minus_processed_per_topic():
    from userprofiles.progress import kafka_lag

    latest = json.dumps({"t": {"0": 10, "1": 7}, "u": {"0": 3}})
    end = json.dumps({"t": {"0": 4, "1": 7}, "u": {"0": 3}})
    assert kafka_lag(latest, end) == {"t": 6, "u": 0}
    assert kafka_lag(None, end) == {}
