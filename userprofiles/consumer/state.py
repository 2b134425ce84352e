"""Where the per-profile state starts. The state lives in Spark's state store, in the checkpoint, beside the
offsets it belongs to; a checkpoint that already ran starts from its own state.

A new checkpoint while the stores keep data (the checkpoint was deleted, or the consumer moved to another
one) starts from the table: each stored row becomes the state of its profile, older than any copy in the
topic, so that the copies read again rewrite the rows and move the counters from what they count now. That
is only right when the analytics equal the table, so the seed is taken only then (domain/agreement.py compares
them), else the consumer refuses to start and names `make reconcile ARGS=--repair`.

The seed is written into the checkpoint (seed/, Parquet) before the query starts, and read from there until
the first micro-batch is committed: a replay of micro-batch 0 starts from the same seed, not from a table
that the failed attempt may have changed.
"""
from __future__ import annotations

import logging
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession

from userprofiles import internals
from userprofiles.config.settings import ConsumerSettings
from userprofiles.domain.agreement import differences, expected
from userprofiles.domain.profile import SEED_COLUMNS, SEED_SCHEMA
from userprofiles.sinks import mongo
from userprofiles.sinks.cassandra import table_rows

log = logging.getLogger("consumer")


class SeedRefused(RuntimeError):
    """The state of a new checkpoint cannot be taken from the stores as they are."""


def initial_state(spark: SparkSession, settings: ConsumerSettings) -> DataFrame:
    """The seed of the state operator: empty for a checkpoint that committed a micro-batch, else the seed
    of this checkpoint (taken from the table the first time)."""
    checkpoint = Path(settings.stream.checkpoint_dir)
    seed_dir = checkpoint / "seed"
    if internals.committed_batches(str(checkpoint)):
        return spark.createDataFrame([], SEED_SCHEMA)
    if not (seed_dir / "_SUCCESS").exists():
        if internals.planned_batches(str(checkpoint)):
            raise SeedRefused(f"checkpoint {checkpoint} holds micro-batches but no seed of its per-profile state (an "
                              f"older consumer's checkpoint); start from a new checkpoint (delete it, or choose "
                              f"another with --checkpoint) once the analytics equal the table: make reconcile "
                              f"ARGS=--repair")
        _write_seed(spark, settings, seed_dir)
    return spark.read.schema(SEED_SCHEMA).parquet(str(seed_dir))


def _write_seed(spark: SparkSession, settings: ConsumerSettings, seed_dir: Path) -> None:
    cass = settings.cassandra
    rows = table_rows(cass)
    diffs = differences(expected(rows), mongo.read_analytics(mongo.database(settings.mongo)))
    if diffs:
        coll, key, got, want = diffs[0]
        raise SeedRefused(f"the checkpoint {seed_dir.parent} is new but the analytics in MongoDB "
                          f"{settings.mongo.db} differ from the table {cass.keyspace}.{cass.table} ({len(diffs)} "
                          f"keys, e.g. {coll} {key!r}: {got} against {want}), so the state cannot start from the "
                          f"table; run make reconcile ARGS=--repair (with this consumer's --keyspace/--mongo-db), "
                          f"then start the consumer again")
    if rows:
        log.info("new checkpoint: the per-profile state starts from the %d rows of %s.%s", len(rows), cass.keyspace,
                 cass.table)
    import pyarrow as pa

    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in range(5)]
    table = pa.table({name: pa.array(col, type=pa.int32() if name == "age" else pa.string())
                      for name, col in zip(SEED_COLUMNS, columns, strict=True)})
    spark.createDataFrame(table, SEED_SCHEMA).write.mode("overwrite").parquet(str(seed_dir))
