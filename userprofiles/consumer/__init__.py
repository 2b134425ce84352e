"""The consumer, a Spark Structured Streaming job: the JSON schema (schema.py), the plan's transformations
(transform.py), the per-profile state and the analytics it feeds (state.py, analytics.py), the micro-batch's
write protocol (write_protocol.py) and the query around it (job.py, progress.py, spark_runtime.py)."""
