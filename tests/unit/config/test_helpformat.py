"""--help shows each flag's variable and default, secrets masked (userprofiles/config/helpformat.py)."""
import pytest

from userprofiles.config.helpformat import DefaultsHelpFormatter
from userprofiles.config.options import consumer_parser, producer_parser


@pytest.mark.parametrize("make_parser", [producer_parser, consumer_parser])
def test_help_shows_each_flags_env_and_default(make_parser, monkeypatch):
    monkeypatch.setenv("MONGO_URI", "mongodb://bob:s3cr%t@127.0.0.1:27017/")
    p = make_parser()
    text = " ".join(p.format_help().split())
    for action in p._actions:
        if action.option_strings and action.dest != "help":
            shown = DefaultsHelpFormatter("x")._get_help_string(action)
            assert "(env " in shown and "default: " in shown, action.dest
    assert "(env KAFKA_TOPIC, default: users_profiles)" in text
    assert "s3cr" not in text
    if make_parser is consumer_parser:
        assert "(env MONGO_URI, default: mongodb://bob:***@127.0.0.1:27017/)" in text
        assert "(env SPARK_AVAILABLE_NOW, default: off)" in text
