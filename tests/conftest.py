import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "randomuser"


@pytest.fixture(scope="session")
def spark():
    """A local Spark session for the pure DataFrame functions (no Kafka needed)."""
    from pyspark.sql import SparkSession

    from userprofiles.consumer import jvm

    if not jvm.installed():
        pytest.fail(jvm.MISSING)
    os.environ.setdefault("PYSPARK_PYTHON", str(ROOT / ".venv" / "bin" / "python"))
    s = (SparkSession.builder.master("local[2]").appName("tests").config("spark.jars", str(jvm.JAR))
         .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
         .config("spark.sql.shuffle.partitions", "2").getOrCreate())
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


# The project's own .ci/run sets it: there ../shared is beside the clone, and its absence is a failure. Anywhere
# else (a user's clone, a hosted CI) the real-record checks skip with one line.
REQUIRE_SHARED = "USERPROFILES_REQUIRE_SHARED"


def shared_file(name: str) -> Path:
    """../shared/randomuser/NAME, or a skip (a failure where REQUIRE_SHARED is set) when it is absent."""
    path = SHARED / name
    if not path.exists():
        if os.environ.get(REQUIRE_SHARED):
            pytest.fail(f"{path} is absent and {REQUIRE_SHARED} is set: the real-record checks need ../shared")
        pytest.skip(f"{path} is absent: the real randomuser.me records are not beside this clone")
    return path


@pytest.fixture(scope="session")
def real_records():
    """The real randomuser.me records of ../shared (present on developer machines and in .ci/run)."""
    return shared_file("records.jsonl").read_text(encoding="utf-8").splitlines()


FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="session")
def kafka_frame(spark):
    """A DataFrame shaped like Spark's Kafka source from (value bytes | str | None) items."""
    import datetime as dt

    def make(values, partition=0, first_offset=0):
        rows = []
        for i, v in enumerate(values):
            if isinstance(v, str):
                v = v.encode("utf-8")
            rows.append((None, v, "users_profiles", partition, first_offset + i, dt.datetime(2026, 1, 1)))
        return spark.createDataFrame(
            rows, "key binary, value binary, topic string, partition int, offset long, timestamp timestamp")
    return make


@pytest.fixture(scope="session")
def fixture_records():
    import json

    return [json.loads(line) for line in (FIXTURES / "users.jsonl").read_text(encoding="utf-8").splitlines()]
