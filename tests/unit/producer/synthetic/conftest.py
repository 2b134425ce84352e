import json

import pytest

from userprofiles.producer.synthetic import generate_users

from .common import NOW, by_nat


@pytest.fixture(scope="package")
def real(real_records) -> list[dict]:
    return [json.loads(line) for line in real_records if line.strip()]


@pytest.fixture(scope="package")
def real_by_nat(real) -> dict[str, list[dict]]:
    return by_nat(real)


@pytest.fixture(scope="package")
def users() -> list[dict]:
    # ~200 per nationality
    return generate_users(4200, seed=20260314, now=NOW)


@pytest.fixture(scope="package")
def users_by_nat(users) -> dict[str, list[dict]]:
    return by_nat(users)
