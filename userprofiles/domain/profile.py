"""A stored profile: the columns of the table (cassandra_schema.cql), the ones it is counted by, and what the
per-profile state keeps of it."""
from __future__ import annotations

# Columns of the profiles table, in the order of cassandra_schema.cql.
PROFILE_COLUMNS = ("identifiant", "title", "full_name", "gender", "username", "domain_name", "email", "phone",
                   "full_address", "age", "inscription", "nationality")
# The columns a profile is counted by in the analytics (analytics.py), and the same columns of the copy it was
# counted under before (the state operator's output: null when it was counted nowhere).
COUNTED = ("nationality", "gender", "domain_name", "age")
PREVIOUS = tuple(f"prev_{c}" for c in COUNTED)
# What the per-profile state starts from when a new checkpoint is seeded from the table (consumer/state.py):
# the key and the counted columns, as the table stores them.
SEED_COLUMNS = ("identifiant", *COUNTED)
SEED_SCHEMA = "identifiant string, nationality string, gender string, domain_name string, age int"
