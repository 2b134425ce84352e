"""From the option table (option_table.py) to the programs: a parser per program whose defaults come from
the environment, one check of a value for its flag and its variable alike, and the typed settings
(settings.py) built from the parsed flags. An entry point calls `consumer_parser().parse_args()` then
`consumer_settings(args)` (or the producer's, the observers'): one hop from the command line to the field.

The local stack's ports (KAFKA_PORT, CASSANDRA_PORT, MONGO_PORT; stack/ports.env) give the clients' default
addresses (addresses.py), so a stack moved to other ports is found without setting anything else.
"""
from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from userprofiles.config import settings as S
from userprofiles.config.addresses import PortError
from userprofiles.config.helpformat import DefaultsHelpFormatter
from userprofiles.config.option_row import Option, Refused
from userprofiles.config.option_table import (  # noqa: F401  (the table's names, for the programs' own parsers)
    CASSANDRA,
    CASSANDRA_WRITES,
    CONSUMER_OPTIONS,
    FLAG_ALIASES,
    LOG_LEVEL,
    OBSERVE_OPTIONS,
    PRODUCER_OPTIONS,
)

# --- from the table to a parser, from parsed flags to settings ----------------------------------------------

class SettingError(ValueError):
    """An environment variable holds a value its setting cannot take."""


def parse(opt: Option, text: str) -> Any:
    """The option's value from its text, checked against its choices and range: the one check of both a flag
    and a variable. A text of the wrong type raises ValueError, a value the option refuses raises Refused."""
    default = opt.default_value()
    if isinstance(default, bool):
        return _boolean(text)
    if text == "" and default == "":
        return text   # an empty text is the setting's "not set" (e.g. no security protocol)
    value = opt.convert(text) if opt.convert is not None else type(default)(text)
    if opt.choices and value not in opt.choices:
        raise Refused(f"is not one of {', '.join(opt.choices)}")
    if value != value:   # float("nan") passes every comparison below
        raise Refused("is not a number")
    if opt.minimum is not None and value < opt.minimum:
        raise Refused(f"is below its minimum {opt.minimum:g}")
    if opt.maximum is not None and value > opt.maximum:
        raise Refused(f"is above its maximum {opt.maximum:g}")
    if opt.above is not None and value <= opt.above:
        raise Refused(f"is not more than {opt.above:g}")
    return value


def env_value(opt: Option, environ: Mapping[str, str] | None = None) -> Any:
    """The option's value from its variable (or an alias) in ENVIRON (os.environ unless given), converted to the
    default's type; else the default."""
    environ = os.environ if environ is None else environ
    for name in (opt.env, *opt.aliases):
        raw = environ.get(name)
        if raw is None or raw == "":
            continue
        try:
            value = parse(opt, raw)
        except Refused as exc:
            raise SettingError(f"{name}={raw!r} {exc}; fix or unset it") from None
        except ValueError:
            default = opt.default_value()
            kind = "on/off" if isinstance(default, bool) else type(default).__name__
            raise SettingError(f"{name}={raw!r} is not a valid {kind} value; fix or unset it") from None
        # A converted option keeps its text, which argparse converts like a flag's, and --help shows as set.
        return raw if opt.convert is not None else value
    return opt.default_value()


def _flag_type(opt: Option) -> Callable[[str], Any]:
    """argparse's type= for the option: a refused value reads "argument --rate: -1 is below its minimum 0"."""
    def check(text: str) -> Any:
        try:
            return parse(opt, text)
        except Refused as exc:
            shown = text if opt.convert is None else repr(text)   # a number bare, a word quoted, as argparse does
            raise argparse.ArgumentTypeError(f"{shown} {exc}") from None
    default = opt.default_value()
    # argparse names the type in "invalid int value: 'x'"; the converter's own name says nothing.
    check.__name__ = type(default).__name__ if opt.convert is None else "text"
    return check


def _boolean(raw: str) -> bool:
    text = raw.strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


def add_options(p: argparse.ArgumentParser, options: Sequence[Option],
                environ: Mapping[str, str] | None = None) -> None:
    """Flags for these options (defaults from ENVIRON, os.environ unless given, read now); env-only ones as plain
    defaults."""
    for opt in options:
        try:
            default = env_value(opt, environ)
        except (SettingError, PortError) as exc:   # PortError: a port variable behind a default (KAFKA_PORT)
            p.error(str(exc))
        if opt.flag is None:
            p.set_defaults(**{opt.dest: default})
            continue
        names = [opt.flag] + [old for old, new in FLAG_ALIASES.items() if new == opt.flag]
        text = f"{opt.help}{_bounds(opt)} (env {opt.env})"
        if isinstance(opt.default_value(), bool):
            p.add_argument(*names, dest=opt.dest, action=argparse.BooleanOptionalAction, default=default, help=text)
            continue
        p.add_argument(*names, dest=opt.dest, default=default, help=text, choices=opt.choices,
                       metavar=opt.flag.lstrip("-").upper().replace("-", "_") if not opt.choices else None,
                       type=_flag_type(opt))


def _bounds(opt: Option) -> str:
    """The option's range, for --help: "; 1-5000", "; 0 or more", "; more than 0"."""
    if opt.minimum is not None and opt.maximum is not None:
        return f"; {opt.minimum:g}-{opt.maximum:g}"
    if opt.minimum is not None:
        return f"; {opt.minimum:g} or more"
    if opt.above is not None:
        return f"; more than {opt.above:g}"
    return ""


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are their one line, without the usage above it: the usage of these
    programs is a page that buried the line (--help prints it)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


def parser(prog: str, description: str, options: Sequence[Option],
           environ: Mapping[str, str] | None = None) -> argparse.ArgumentParser:
    p = OneLineParser(prog=prog, description=description, formatter_class=DefaultsHelpFormatter)
    add_options(p, options, environ)
    return p


def _registered(sinks):
    if sinks is None:   # imported late: the sinks' modules import this package's settings
        from userprofiles.sinks.registry import SINKS as sinks
    return sinks


def consumer_options(sinks=None) -> tuple[Option, ...]:
    """The consumer's options: its own, and those that its sinks (sinks/registry.py unless given) declare."""
    return (*CONSUMER_OPTIONS, *(o for sink in _registered(sinks) for o in sink.OPTIONS))


def consumer_parser(environ: Mapping[str, str] | None = None, sinks=None) -> argparse.ArgumentParser:
    return parser("consumer_spark.py", "Spark Structured Streaming: Kafka -> Cassandra profiles + MongoDB analytics.",
                  consumer_options(sinks), environ)


def producer_parser(environ: Mapping[str, str] | None = None) -> argparse.ArgumentParser:
    return parser("producer.py", "Publish randomuser.me user records to Kafka, one message per user.",
                  PRODUCER_OPTIONS, environ)


def _filled(args: argparse.Namespace, options: Sequence[Option]) -> dict[str, dict[str, Any]]:
    """{section: {field: value}} ("" for the program's own fields) from the parsed flags."""
    out: dict[str, dict[str, Any]] = {}
    for opt in options:
        value = getattr(args, opt.dest)
        if opt.convert is not None and isinstance(value, str):
            value = opt.convert(value)
        for target in opt.fills:
            section, _, name = target.rpartition(".")
            out.setdefault(section, {})[name] = value
    return out


def consumer_settings(args: argparse.Namespace, sinks=None) -> S.ConsumerSettings:
    sinks = _registered(sinks)
    v = _filled(args, consumer_options(sinks))
    own = {sink.section: sink.Settings(**v.get(sink.section, {})) for sink in sinks if sink.Settings is not None}
    return S.ConsumerSettings(kafka=S.KafkaSettings(**v["kafka"]), cassandra=S.CassandraSettings(**v["cassandra"]),
                            mongo=S.MongoSettings(**v["mongo"]), stream=S.StreamSettings(**v["stream"]), sinks=own,
                            **v[""])


def producer_settings(args: argparse.Namespace) -> S.ProducerSettings:
    v = _filled(args, PRODUCER_OPTIONS)
    return S.ProducerSettings(kafka=S.KafkaSettings(**v["kafka"]), **v[""])


def cassandra_settings(args: argparse.Namespace) -> S.CassandraSettings:
    return S.CassandraSettings(**_filled(args, (*CASSANDRA, *CASSANDRA_WRITES))["cassandra"])


def observe_settings(args: argparse.Namespace) -> S.ObserveSettings:
    v = _filled(args, OBSERVE_OPTIONS)
    t = v[""]["timeout"]
    # The observers wait for a store at most their own timeout, never the consumer's.
    return S.ObserveSettings(kafka=S.KafkaSettings(**v["kafka"]),
                           cassandra=S.CassandraSettings(**v["cassandra"], connect_timeout=t, retry_seconds=t),
                           mongo=S.MongoSettings(**v["mongo"], connect_timeout=t, retry_seconds=t),
                           checkpoint_dir=v["stream"]["checkpoint_dir"], consumer_group=v["stream"]["query_name"],
                           **v[""])
