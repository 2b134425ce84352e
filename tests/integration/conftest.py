import pytest

from tests.support.clients import close_clients
from tests.support.sandbox import Sandbox


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


def pytest_configure(config):
    config.addinivalue_line("markers", "alone: stops and starts the shared services, or times how processes stop "
                                       "(make test runs these one at a time, after the others)")


def pytest_collection_modifyitems(config, items):
    # Tests that restart the services go last, so that no other test sees a service going away.
    items.sort(key=lambda item: item.get_closest_marker("alone") is not None)
