"""Looking at the pipeline from outside: the figures of `make status`, `make dlq` and the dashboard, read
from the real stores (Kafka, Cassandra, MongoDB, the consumer's group) with their own clients
(where they are: userprofiles/config/settings.py, with the consumer's names and defaults).

history.py           the consumer's micro-batch history (stream_progress) and whether it looks alive (pure)
figures.py           what is shown, computed from what was read (pure)
snapshot.py          what one look at the stores found (Snapshot, RowCount) or StoreDown, a store's one-line error
kafka_reader.py      reading Kafka: offsets, the consumer group's commits, the dead letters
cassandra_reader.py  reading Cassandra: the profiles table's rows, counted or estimated
mongo_reader.py      reading MongoDB: the analytics collections and the stream_progress documents
stores.py            the three readers at once, in parallel, into one Snapshot
status.py            `make status`;  dlq.py: `make dlq`
dashboard.py         `make dashboard`: its options, the Dash app and main
live.py              the dashboard's background reader of the stores, idle while no page is open
page.py, charts.py   the dashboard's page and its Plotly charts, rendered from a Snapshot
"""
