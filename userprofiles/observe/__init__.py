"""Looking at the pipeline from outside: the figures of `make status`, `make dlq` and the dashboard, read
from the real stores (Kafka, Cassandra, MongoDB, the consumer's group) with their own clients
(where they are: userprofiles/config/settings.py, with the consumer's names and defaults).

history.py     the consumer's micro-batch history (stream_progress) and whether it looks alive (pure)
figures.py     what is shown, computed from what was read (pure)
stores.py      reading the stores, with short timeouts and one-line errors
status.py      `make status`;  dlq.py: `make dlq`;  dashboard.py: `make dashboard`
"""
