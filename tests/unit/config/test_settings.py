"""The typed settings (userprofiles/config/settings.py)."""
from userprofiles.config.settings import redact_uri


def test_redact_uri():
    assert redact_uri("mongodb://bob:secret@h:1/") == "mongodb://bob:***@h:1/"
    assert redact_uri("mongodb://h:1/") == "mongodb://h:1/"
