"""One line for a failure (userprofiles/config/errors.py): the cause and the fix out of Spark's prose."""
from userprofiles.config.errors import cause_line


def test_a_failed_batch_is_one_line_with_the_batch_the_cause_and_the_fix():
    spark_prose = ("[STREAM_FAILED] Query [id = 1] terminated with exception: [FOREACH_BATCH_USER_FUNCTION_ERROR]"
                   " An error occurred in the user provided function in foreach batch sink. Reason: "
                   "Traceback (most recent call last):\n  File \"x.py\", line 1\nuserprofiles.errors.BatchFailed: "
                   "batch 7: writing 12 rows to Cassandra 127.0.0.1:9042 failed for 120s (NoHostAvailable: ...); "
                   "start Cassandra (make up)\n\tat org.apache.spark...\n")
    assert cause_line(Exception(spark_prose)) == ("batch 7: writing 12 rows to Cassandra 127.0.0.1:9042 failed for "
                                                  "120s (NoHostAvailable: ...); start Cassandra (make up)")
