import pytest

from .harness import Sandbox, close_clients


@pytest.fixture(scope="session", autouse=True)
def _clients():
    yield
    close_clients()  # before interpreter exit, when the driver's threads can still stop cleanly


@pytest.fixture
def sandbox():
    """A private topic pair, keyspace and MongoDB database, dropped after the test."""
    sb = Sandbox()
    sb.create_topics()
    yield sb
    sb.drop()
