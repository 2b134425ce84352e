"""The settings table: one naming scheme, aliases, typed settings filled by keyword, one-line errors."""
import dataclasses
import subprocess
import sys

import pytest

from userprofiles.config import option_table
from userprofiles.config import options as S
from userprofiles.config.addresses import ROOT, default_ports

# Every option of every program, the dashboard's, make dlq's and the benchmark's too, once.
ALL_OPTIONS = {id(o): o for options in option_table.PROGRAM_OPTIONS.values() for o in options}.values()


def test_every_variable_follows_the_naming_scheme():
    for opt in ALL_OPTIONS:
        assert opt.env == "LOG_LEVEL" or opt.env.split("_")[0] in option_table.SECTIONS, opt.env
        if opt.flag:
            assert opt.flag.startswith("--"), opt.flag


def test_no_variable_or_flag_names_two_settings():
    for options in option_table.PROGRAM_OPTIONS.values():
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
        if f.name == "sinks":   # the sinks' own sections: each dataclass, filled by the sink's own options
            for section, own in value.items():
                for sub in dataclasses.fields(own):
                    assert f"{section}.{sub.name}" in filled, f"{section}.{sub.name}"
            continue
        if dataclasses.is_dataclass(value):
            for sub in dataclasses.fields(value):
                assert f"{f.name}.{sub.name}" in filled, f"{f.name}.{sub.name}"
        else:
            assert f.name in filled, f.name


def test_an_option_without_a_field_or_a_default_is_refused_when_written():
    from userprofiles.config.option_row import Option
    with pytest.raises(TypeError, match=r"^option --bogus: no default=, and none from settings.py \(bogus: no such "
                                        r"field in settings.py\); give default=, or fill a field of settings.py$"):
        Option("--bogus", "OBSERVE_BOGUS", "help", ("bogus",))
    with pytest.raises(TypeError, match="no section 'nope'"):
        Option("--bogus", "OBSERVE_BOGUS", "help", ("nope.bogus",))
    assert Option("--bogus", "OBSERVE_BOGUS", "help", ("bogus",), default=3).default == 3
    with pytest.raises(TypeError):   # the default is a keyword: no option takes it third any more
        Option("--bogus", "OBSERVE_BOGUS", 3, "help", ("bogus",))


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


def test_the_dashboards_port_and_links_are_the_stacks(monkeypatch):
    for var in ("DASHBOARD_PORT", "DASHBOARD_SPARK_UI_URL", "DASHBOARD_SPARK_MASTER_URL", "DASHBOARD_KAFKA_UI_URL",
                "SPARK_MASTER_WEBUI_PORT", "KAFKA_UI_PORT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("SPARK_UI_PORT", "14040")
    p = S.parser("make dashboard", "", option_table.DASHBOARD)
    args = p.parse_args([])
    ports = default_ports()
    assert (args.port, args.spark_ui_url, args.spark_master_url, args.kafka_ui_url) == (
        ports["DASHBOARD_PORT"], "http://127.0.0.1:14040", f"http://127.0.0.1:{ports['SPARK_MASTER_WEBUI_PORT']}",
        f"http://127.0.0.1:{ports['KAFKA_UI_PORT']}")
    text = " ".join(p.format_help().split())
    assert f"(env DASHBOARD_PORT, default: {ports['DASHBOARD_PORT']})" in text
    assert "(env DASHBOARD_SPARK_UI_URL, default: http://127.0.0.1:14040)" in text


@pytest.mark.parametrize("var, options", [("DASHBOARD_PORT", option_table.DASHBOARD),
                                          ("SPARK_UI_PORT", option_table.DASHBOARD),
                                          ("KAFKA_PORT", option_table.KAFKA)])
def test_a_port_variable_that_is_no_number_is_one_line(var, options, monkeypatch, capsys):
    # DASHBOARD_PORT is the option's variable and the default's: the default is read to know the option's type.
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    monkeypatch.setenv(var, "abc")
    line = _error_line(capsys, lambda: S.parser("prog", "", options))
    assert line.startswith(f"prog: error: {var}='abc' ") and line.endswith("; fix or unset it"), line


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


# --- choices and ranges: one check for the flag and the variable ---------------------------------------------

def _kind(opt):
    return type(opt.default_value())


def _refused(opt):
    """Values just outside the option's range or choices."""
    step = 1 if _kind(opt) is int else 0.5
    out = []
    if opt.minimum is not None:
        out.append(f"{opt.minimum - step:g}")
    if opt.maximum is not None:
        out.append(f"{opt.maximum + step:g}")
    if opt.above is not None:
        out.append(f"{opt.above:g}")
    if opt.choices or opt.convert is option_table._source:
        out.append("bogus")
    return out


def _accepted(opt):
    """Values on the edge of the range, and every choice in lower case (the input is case-insensitive)."""
    step = 1 if _kind(opt) is int else 0.5
    out = [f"{v:g}" for v in (opt.minimum, opt.maximum) if v is not None]
    if opt.above is not None:
        out.append(f"{opt.above + step:g}")
    out += [c.lower() for c in opt.choices or ()]
    return out


CHECKED = [o for o in ALL_OPTIONS if _refused(o)]
REFUSED = [(o, v) for o in CHECKED for v in _refused(o)]
ACCEPTED = [(o, v) for o in CHECKED for v in _accepted(o)]


def test_the_numbers_and_words_that_need_one_have_a_range_or_choices():
    names = {o.env for o in CHECKED}
    for env in ("LOG_LEVEL", "KAFKA_COMPRESSION", "PRODUCER_SOURCE", "PRODUCER_RATE", "PRODUCER_PAUSE_SECONDS",
                "PRODUCER_MESSAGES_PER_ITERATION", "CASSANDRA_PORT", "CONSUMER_METRICS_PORT", "SPARK_UI_PORT",
                "DASHBOARD_PORT", "CONSUMER_CONNECT_TIMEOUT", "OBSERVE_TIMEOUT", "CASSANDRA_CONCURRENCY",
                "CASSANDRA_BATCH_ROWS", "CASSANDRA_REPLICATION_FACTOR", "SPARK_MAX_OFFSETS_PER_TRIGGER",
                "SPARK_STATE_PARTITIONS", "OBSERVE_DLQ_LAST"):
        assert env in names, env


def _error_line(capsys, call):
    with pytest.raises(SystemExit) as exit_:
        call()
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and len(err.strip().splitlines()) == 1, err
    return err.strip()


@pytest.mark.parametrize("opt, value", REFUSED, ids=[f"{o.env}={v}" for o, v in REFUSED])
def test_a_value_outside_the_range_is_refused_by_flag_and_by_variable(opt, value, monkeypatch, capsys):
    monkeypatch.delenv(opt.env, raising=False)
    line = _error_line(capsys, lambda: S.parser("prog", "", (opt,)).parse_args([f"{opt.flag}={value}"]))
    assert line.startswith(f"prog: error: argument {opt.flag}") and value in line, line
    monkeypatch.setenv(opt.env, value)
    line = _error_line(capsys, lambda: S.parser("prog", "", (opt,)))
    assert line.startswith(f"prog: error: {opt.env}={value!r} ") and line.endswith("; fix or unset it"), line


@pytest.mark.parametrize("opt, value", ACCEPTED, ids=[f"{o.env}={v}" for o, v in ACCEPTED])
def test_the_edges_of_the_range_are_accepted_by_flag_and_by_variable(opt, value, monkeypatch):
    monkeypatch.delenv(opt.env, raising=False)
    by_flag = getattr(S.parser("prog", "", (opt,)).parse_args([f"{opt.flag}={value}"]), opt.dest)
    monkeypatch.setenv(opt.env, value)
    by_variable = getattr(S.parser("prog", "", (opt,)).parse_args([]), opt.dest)
    assert by_flag == by_variable == S.parse(opt, value)
    if opt.choices:
        assert by_flag in opt.choices   # normalised: "debug" is DEBUG


def test_the_messages_name_the_bound():
    rate = next(o for o in option_table.PRODUCER if o.env == "PRODUCER_RATE")
    with pytest.raises(S.Refused, match="^is below its minimum 0$"):
        S.parse(rate, "-1")
    for source in ("api", "synthetic", "auto", "file:/tmp/x.jsonl"):
        assert S.parse(next(o for o in option_table.PRODUCER if o.env == "PRODUCER_SOURCE"), source) == source


PROGRAMS = [["producer.py"], ["consumer_spark.py"], ["-m", "userprofiles.observe.status"],
            ["-m", "userprofiles.observe.dlq"], ["-m", "userprofiles.observe.dashboard"],
            ["-m", "userprofiles.observe.reconcile"], ["-m", "bench.run"]]


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p[-1])
def test_every_program_refuses_a_bad_log_level_in_one_line(program):
    # --help after the bad value: a program that took the value would print its help, not run.
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    flag = subprocess.run([sys.executable, *program, "--log-level", "verbose", "--help"], env=env,
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert flag.returncode == 2 and flag.stderr.count("\n") == 1, flag.stderr
    assert flag.stderr.endswith("error: argument --log-level: 'verbose' is not one of DEBUG, INFO, WARNING, "
                                "ERROR, CRITICAL\n"), flag.stderr
    var = subprocess.run([sys.executable, *program, "--help"], env={**env, "LOG_LEVEL": "verbose"},
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert var.returncode == 2 and var.stderr.count("\n") == 1, var.stderr
    assert "error: LOG_LEVEL='verbose' is not one of DEBUG" in var.stderr and "Traceback" not in var.stderr


def test_not_a_number_is_refused():
    rate = next(o for o in option_table.PRODUCER if o.env == "PRODUCER_RATE")
    with pytest.raises(S.Refused, match="is not a number"):
        S.parse(rate, "nan")


# --- the replicated stack's choices: replication factor and consistency --------------------------------------

def test_consumer_flags(monkeypatch):
    for var in ("CASSANDRA_CONSISTENCY", "CASSANDRA_REPLICATION_FACTOR", "CASSANDRA_REPLICATION"):
        monkeypatch.delenv(var, raising=False)
    c = S.consumer_settings(S.consumer_parser().parse_args([])).cassandra
    assert (c.replication_factor, c.replication, c.consistency) == (1, "", "AUTO")
    c = S.consumer_settings(S.consumer_parser().parse_args(["--replication-factor", "3", "--consistency",
                                                            "local_quorum"])).cassandra
    assert (c.replication_factor, c.consistency) == (3, "LOCAL_QUORUM")
    monkeypatch.setenv("CASSANDRA_CONSISTENCY", "all")
    monkeypatch.setenv("CASSANDRA_REPLICATION_FACTOR", "3")
    c = S.consumer_settings(S.consumer_parser().parse_args([])).cassandra
    assert (c.replication_factor, c.consistency) == (3, "ALL")
    with pytest.raises(SystemExit):
        S.consumer_parser().parse_args(["--consistency", "MOST"])
