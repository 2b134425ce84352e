"""The consumer's sinks, in the order each task writes to them: one line per sink (sinks/__init__.py says what
a sink is)."""
from userprofiles.sinks.cassandra import ProfilesSink
from userprofiles.sinks.deadletter import DeadLetterSink
from userprofiles.sinks.mongo import AnalyticsSink

SINKS = (
    ProfilesSink,      # the profiles table: upserts and deletes (Cassandra)
    DeadLetterSink,    # the messages that are no profile (Kafka)
    AnalyticsSink,     # the counters, once per micro-batch (MongoDB)
)
