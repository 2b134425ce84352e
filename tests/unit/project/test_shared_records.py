"""The real-record checks skip where ../shared is absent, and fail there only when .ci/run asks for it."""
import pytest

from tests import conftest


def test_absent_records_skip_with_one_line_unless_the_project_ci_asks(tmp_path, monkeypatch):
    monkeypatch.setattr(conftest, "SHARED", tmp_path)
    monkeypatch.delenv(conftest.REQUIRE_SHARED, raising=False)
    monkeypatch.setenv("CI", "true")   # what every hosted CI sets: not the project's own variable
    with pytest.raises(pytest.skip.Exception, match="records.jsonl is absent"):
        conftest.shared_file("records.jsonl")
    monkeypatch.setenv(conftest.REQUIRE_SHARED, "1")
    with pytest.raises(pytest.fail.Exception, match="USERPROFILES_REQUIRE_SHARED is set"):
        conftest.shared_file("records.jsonl")
    (tmp_path / "records.jsonl").write_text("{}\n")
    assert conftest.shared_file("records.jsonl") == tmp_path / "records.jsonl"


def test_the_project_ci_asks_for_them():
    assert f"export {conftest.REQUIRE_SHARED}=1" in (conftest.ROOT / ".ci" / "run").read_text()
