import pytest

from .harness import Sandbox


@pytest.fixture
def sandbox():
    """A private topic pair, keyspace and MongoDB database, dropped after the test."""
    sb = Sandbox()
    sb.create_topics()
    yield sb
    sb.drop()
