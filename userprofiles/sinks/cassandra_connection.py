"""A Cassandra session: one per process (the driver, each executor's Python worker), reused across
micro-batches, since connecting costs seconds, and closed with the process's other connections
(connections.py). The schema module and the row writer both use it."""
from __future__ import annotations

import socket

from userprofiles.config.settings import CassandraSettings
from userprofiles.sinks import connections


def connect(settings: CassandraSettings, *, timeout: float | None = None):
    """A new session on the cluster (its own Cluster object); `timeout` replaces settings.connect_timeout."""
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import Cluster
    from cassandra.policies import DCAwareRoundRobinPolicy, ExponentialReconnectionPolicy, TokenAwarePolicy

    wait = settings.connect_timeout if timeout is None else timeout
    auth = PlainTextAuthProvider(settings.username, settings.password) if settings.username else None
    cluster = Cluster(list(settings.hosts), port=settings.port, auth_provider=auth,
                      load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy()),
                      connect_timeout=wait, control_connection_timeout=wait,
                      # A lost node is retried at least every 5 s and never given up on (the default waits up
                      # to 10 min and stops after 64 attempts): the micro-batch's retry budget decides instead.
                      reconnection_policy=ExponentialReconnectionPolicy(base_delay=0.5, max_delay=5.0,
                                                                        max_attempts=None),
                      protocol_version=5,
                      # The driver leaves Nagle's algorithm on, so a CQL batch of a few KB would wait for the
                      # server's delayed ACK.
                      sockopts=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
    return cluster.connect()


def session(settings: CassandraSettings):
    """One cluster connection per process (driver or executor worker), reused across micro-batches."""
    return connections.shared(session_key(settings), lambda: connect(settings), close)


def session_key(settings: CassandraSettings) -> tuple:
    return ("cassandra", settings.hosts, settings.port, settings.username)


def close(session) -> None:
    """End the session's cluster: its connections, and the driver's threads that would outlive the interpreter."""
    session.cluster.shutdown()
