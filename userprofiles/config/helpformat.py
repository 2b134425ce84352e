"""--help that shows each flag's default next to its environment variable: "(env MONGO_DB, default:
users_profiles_analytics)". A password in a URI default (MONGO_URI may carry one) is masked."""
from __future__ import annotations

import argparse
import re

_URI_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")
_ENV_AT_END = re.compile(r"\(env (\w+)\)$")


def shown_default(value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if value is None or value == "":
        return "not set"
    return _URI_PASSWORD.sub(r"\1***@", str(value))


class DefaultsHelpFormatter(argparse.HelpFormatter):
    def _get_help_string(self, action):
        text = action.help or ""
        if not action.option_strings or action.default is argparse.SUPPRESS or "%(default)" in text:
            return text
        shown = shown_default(action.default).replace("%", "%%")   # argparse %-formats the help text
        env = _ENV_AT_END.search(text)
        if env:
            return f"{text[:env.start()]}(env {env.group(1)}, default: {shown})"
        return f"{text} (default: {shown})"
