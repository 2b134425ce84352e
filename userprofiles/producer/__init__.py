"""The producer: where user records come from (sources.py: the randomuser.me API, a file, the synthetic
generator of synthetic/) and the loop that publishes them to Kafka (loop.py)."""
