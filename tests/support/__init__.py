"""What the integration tests, the fault-injection scenarios and the benchmark share, in one place each.

- paths: the checkout and its venv.
- addresses: where the services are, read from the environment as the stack scripts read it.
- clients: one Cassandra session, one MongoDB client, and the Kafka producing and consuming helpers.
- sandbox: a private topic pair, keyspace and MongoDB database per test, with readers of what landed there.
- processes: the consumer (spark-submit) and the producer run as programs, in sessions of their own.
- stack: the stack's own scripts (stack/<svc>.sh, stack/cluster.sh) and its PID files.
- chaos: the fault-injection scenarios' input, observation of the stores, waits and table of figures.
- chaos_fixtures: the fixtures and the results file both fault-injection suites use.
"""
