"""Writers at the edges of the pipeline: Cassandra rows, MongoDB analytics, dead letters."""
