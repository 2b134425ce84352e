"""Looking at the pipeline from outside: the figures of `make status`, `make dlq` and the dashboard, read
from the real stores (Kafka, Cassandra, MongoDB) and the consumer's checkpoint with their own clients
(where they are: userprofiles/settings.py, with the consumer's names and defaults).

checkpoint.py  the consumer's committed offsets and micro-batch times, from its checkpoint files (pure)
figures.py     what is shown, computed from what was read (pure)
stores.py      reading the stores, with short timeouts and one-line errors
status.py      `make status`;  dlq.py: `make dlq`;  dashboard.py: `make dashboard`
"""
