"""The settings table: one naming scheme, aliases, typed settings filled by keyword, one-line errors."""
import dataclasses
import subprocess
import sys

import pytest

from userprofiles import options as S
from userprofiles.observe import dashboard, dlq
from userprofiles.settings import ROOT

ALL_OPTIONS = {id(o): o for o in (*S.CONSUMER_OPTIONS, *S.PRODUCER_OPTIONS, *S.OBSERVE_OPTIONS, *dlq.OPTIONS,
                                  *dashboard.OPTIONS)}.values()


def test_every_variable_follows_the_naming_scheme():
    for opt in ALL_OPTIONS:
        assert opt.env == "LOG_LEVEL" or opt.env.split("_")[0] in S.SECTIONS, opt.env
        if opt.flag:
            assert opt.flag.startswith("--"), opt.flag


def test_no_variable_or_flag_names_two_settings():
    for options in (S.CONSUMER_OPTIONS, S.PRODUCER_OPTIONS, S.OBSERVE_OPTIONS):
        envs = [n for o in options for n in (o.env, *o.aliases)]
        flags = [o.flag for o in options if o.flag]
        assert len(envs) == len(set(envs)) and len(flags) == len(set(flags))


@pytest.mark.parametrize("options, build, unused", [(S.CONSUMER_OPTIONS, S.consumer_settings, set()),
                                                    (S.PRODUCER_OPTIONS, S.producer_settings, {"kafka.dlq_topic"})])
def test_every_field_of_the_settings_is_filled_by_an_option(options, build, unused):
    filled = {t for o in options for t in o.fills} | unused
    top = build(S.parser("t", "", options).parse_args([]))
    for f in dataclasses.fields(top):
        value = getattr(top, f.name)
        if dataclasses.is_dataclass(value):
            for sub in dataclasses.fields(value):
                assert f"{f.name}.{sub.name}" in filled, f"{f.name}.{sub.name}"
        else:
            assert f.name in filled, f.name


def test_flags_reach_their_fields_by_name(monkeypatch):
    for var in ("CONSUMER_CONNECT_TIMEOUT", "PREFLIGHT_TIMEOUT"):
        monkeypatch.delenv(var, raising=False)
    c = S.consumer_settings(S.consumer_parser().parse_args(
        ["--cassandra-batch-rows", "7", "--connect-timeout", "3", "--sink-retry-seconds", "9",
         "--cassandra-hosts", "a, b,", "--no-ui"]))
    assert c.cassandra.rows_per_cql_batch == 7 and c.cassandra.concurrency == 16
    assert c.cassandra.connect_timeout == c.mongo.connect_timeout == c.connect_timeout == 3.0
    assert c.cassandra.retry_seconds == c.mongo.retry_seconds == c.sink_retry_seconds == 9.0
    assert c.cassandra.hosts == ("a", "b") and c.stream.ui is False


def test_brief_names_and_older_names_are_aliases(monkeypatch):
    monkeypatch.setenv("NUM_MESSAGES_PER_ITERATION", "7")
    monkeypatch.setenv("PAUSE_INTERVAL_SECONDS", "0.5")
    p = S.producer_settings(S.producer_parser().parse_args([]))
    assert (p.messages_per_iteration, p.pause_seconds) == (7, 0.5)
    monkeypatch.setenv("PRODUCER_MESSAGES_PER_ITERATION", "8")   # the scheme's name wins
    assert S.producer_settings(S.producer_parser().parse_args([])).messages_per_iteration == 8
    assert S.producer_settings(S.producer_parser().parse_args(["--batch-size", "3"])).messages_per_iteration == 3
    monkeypatch.setenv("CHECKPOINT_DIR", "/tmp/cp")
    assert S.consumer_settings(S.consumer_parser().parse_args([])).stream.checkpoint_dir == "/tmp/cp"


def test_the_stack_ports_give_the_clients_defaults(monkeypatch):
    for var in ("KAFKA_BOOTSTRAP_SERVERS", "MONGO_URI"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("KAFKA_PORT", "19092")
    monkeypatch.setenv("MONGO_PORT", "27018")
    monkeypatch.setenv("CASSANDRA_PORT", "19042")
    c = S.consumer_settings(S.consumer_parser().parse_args([]))
    assert (c.kafka.bootstrap_servers, c.mongo.uri, c.cassandra.port) == (
        "127.0.0.1:19092", "mongodb://127.0.0.1:27018/", 19042)
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "broker:9092")   # an explicit address wins
    assert S.consumer_settings(S.consumer_parser().parse_args([])).kafka.bootstrap_servers == "broker:9092"


@pytest.mark.parametrize("var, value", [("PRODUCER_RATE", "fast"), ("SPARK_UI_ENABLED", "maybe"),
                                        ("CASSANDRA_CONSISTENCY", "MOST"), ("MAX_MESSAGES", "1e3x")])
def test_a_bad_variable_is_one_line_naming_it(var, value):
    script = "consumer_spark.py" if not var.startswith(("PRODUCER", "MAX")) else "producer.py"
    run = subprocess.run([sys.executable, script, "--help"], env={"PATH": "/usr/bin:/bin", var: value},
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len([line for line in lines if "error:" in line]) == 1 and f"{var}={value!r}" in lines[-1], run.stderr
    assert "fix or unset it" in lines[-1]
