"""A row of the option table (option_table.py): the Option class, and SETTING, the default of an option
that fills a settings field, which is that field's own default in settings.py (field_default), so that it
is written once.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import KW_ONLY, MISSING, dataclass, fields
from typing import Any

from userprofiles.config.settings import (
    CassandraSettings,
    ConsumerSettings,
    KafkaSettings,
    MongoSettings,
    ObserveSettings,
    ProducerSettings,
    StreamSettings,
)


class _Setting:
    def __repr__(self) -> str:
        return "SETTING"


# The default of an option that fills a settings field: that field's own default, so it is written once.
SETTING = _Setting()
SECTION_SETTINGS = {"kafka": KafkaSettings, "cassandra": CassandraSettings, "mongo": MongoSettings,
                    "stream": StreamSettings}
PROGRAM_SETTINGS = (ConsumerSettings, ProducerSettings, ObserveSettings)


def field_default(target: str) -> Any:
    """The default of the settings field TARGET ("section.field", or a program's own field, which must then
    be the same in every program that has it); a default_factory is returned as is, called when needed.
    TypeError when there is no such field, or when programs give it different defaults."""
    section, _, name = target.rpartition(".")
    if section and section not in SECTION_SETTINGS:
        raise TypeError(f"{target}: no section {section!r} in settings.py (one of {', '.join(SECTION_SETTINGS)})")
    classes = [SECTION_SETTINGS[section]] if section else PROGRAM_SETTINGS
    found = set()
    for cls in classes:
        for f in fields(cls):
            if f.name == name:
                found.add(f.default if f.default is not MISSING else f.default_factory)
    if not found:
        raise TypeError(f"{target}: no such field in settings.py")
    if len(found) != 1:
        raise TypeError(f"{target}: {len(found)} different defaults in settings.py, want one")
    return found.pop()


@dataclass(frozen=True)
class Option:
    """One setting: its flag (None: environment only), variable, help, and the fields it fills ("section.field",
    or a plain field of the program's own settings). Its default is the first field's (SETTING), or, for an
    option that fills no settings field (the dashboard's, make dlq's, the benchmark's), default=: a value, or a
    callable called when a parser is built."""
    flag: str | None
    env: str
    help: str
    fills: tuple[str, ...]
    _: KW_ONLY
    default: Any = SETTING
    aliases: tuple[str, ...] = ()
    convert: Callable[[str], Any] | None = None
    choices: Sequence[str] | None = None
    minimum: float | None = None     # the smallest value allowed
    maximum: float | None = None     # the largest value allowed
    above: float | None = None       # values must be more than this (a timeout of 0 is no timeout)

    def __post_init__(self):
        if self.default is SETTING:
            try:
                default = field_default(self.fills[0])
            except TypeError as exc:
                raise TypeError(f"option {self.flag or self.env}: no default=, and none from settings.py ({exc}); "
                                f"give default=, or fill a field of settings.py") from None
            # A tuple field (the hosts) is written as its flag takes it: a comma list.
            object.__setattr__(self, "default", ",".join(default) if isinstance(default, tuple) else default)

    def default_value(self) -> Any:
        """The default, a callable one (an address of the local stack, read late) called now."""
        return self.default() if callable(self.default) else self.default

    @property
    def dest(self) -> str:
        return self.fills[0].replace(".", "__")


class Refused(ValueError):
    """A value of the right type that its option does not take; the text says why, after the value."""
