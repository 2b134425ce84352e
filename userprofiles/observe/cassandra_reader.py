"""Reading Cassandra for the observers: the rows of the profiles table, counted or estimated. The session is
kept between reads (connecting is slow) and dropped when it fails, so that a node that comes back is found
again."""
from __future__ import annotations

import logging
import time

from userprofiles.config.errors import short
from userprofiles.config.settings import ObserveSettings
from userprofiles.observe.snapshot import RowCount, StoreDown


class CassandraReader:
    def __init__(self, conf: ObserveSettings):
        self.conf = conf
        self._cluster = None
        self._session = None
        self._count_cache: tuple[float, RowCount] | None = None
        logging.getLogger("cassandra").setLevel(logging.CRITICAL)   # it logs each failed connection with a traceback

    def _cassandra(self):
        if self._session is None:
            from userprofiles.sinks.cassandra_connection import connect

            self._session = connect(self.conf.cassandra, timeout=self.conf.timeout)
            self._cluster = self._session.cluster
        return self._session

    def row_count(self, reuse_for: float = 0.0) -> RowCount:
        """Rows of the profiles table: SELECT count(*), unless Cassandra's own estimate (system.size_estimates,
        flushed data only, refreshed every few minutes) says the table is over exact_count_limit; then that
        estimate. REUSE_FOR: seconds during which the last count is reused (a count reads the whole table)."""
        if self._count_cache and time.monotonic() - self._count_cache[0] < reuse_for:
            return self._count_cache[1]
        c, where = self.conf, self.conf.cassandra.address
        try:
            s = self._cassandra()
            est = sum(r.partitions_count for r in s.execute(
                "SELECT partitions_count FROM system.size_estimates WHERE keyspace_name=%s AND table_name=%s",
                (c.cassandra.keyspace, c.cassandra.table), timeout=c.timeout))
            if est > c.exact_count_limit:
                result = RowCount(est, True, f"estimate from Cassandra's table statistics (over "
                                             f"{c.exact_count_limit:,} rows; not counted)")
            else:
                try:
                    n = s.execute(f"SELECT count(*) FROM {c.cassandra.keyspace}.{c.cassandra.table}",
                                  timeout=c.timeout * 3).one()[0]
                    result = RowCount(n, False, "SELECT count(*)")
                except Exception as exc:
                    if type(exc).__name__ not in ("OperationTimedOut", "ReadTimeout") or not est:
                        raise
                    result = RowCount(est, True, f"estimate from table statistics (count(*) took over "
                                                 f"{c.timeout * 3:.0f}s)")
        except Exception as exc:
            if type(exc).__name__ == "InvalidRequest":
                raise StoreDown(f"Cassandra table {c.cassandra.keyspace}.{c.cassandra.table} does not exist on {where} "
                                f"(the consumer "
                                f"creates it; or fix CASSANDRA_KEYSPACE / CASSANDRA_TABLE).") from None
            self.close()
            raise StoreDown(f"Cassandra at {where} does not answer ({short(exc, 140)}); start it (make up) or fix "
                            f"CASSANDRA_HOSTS / CASSANDRA_PORT.") from None
        self._count_cache = (time.monotonic(), result)
        return result

    def close(self) -> None:
        # A session whose first connection failed never recovers on its own: drop it, the next read connects anew.
        if self._cluster is not None:
            try:
                self._cluster.shutdown()
            except Exception:
                pass
        self._cluster = self._session = None
