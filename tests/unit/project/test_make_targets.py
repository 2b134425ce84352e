"""The Makefile's program targets: the settings' variables reach the programs (no flag in a recipe overrides
one), ARGS reaches every program, and a bad value through make is the program's one line and exit 2."""
import os
import subprocess

import pytest

from userprofiles.config.addresses import ROOT


def make(*args, env=None):
    # -o venv: never rebuild the shared venv from a test; the recipes run with the existing one.
    return subprocess.run(["make", "--no-print-directory", "-o", "venv", "-o", "up", *args], cwd=ROOT,
                          env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("target, program", [("producer", "producer.py"), ("consumer", "stack/submit.sh"),
                                             ("dashboard", "userprofiles.observe.dashboard"),
                                             ("dlq", "userprofiles.observe.dlq"),
                                             ("reconcile", "userprofiles.observe.reconcile"),
                                             ("status", "stack/stack.sh status"), ("bench", "bench.run")])
def test_every_program_target_passes_args_through(target, program):
    run = make("-n", target, "ARGS=--log-level DEBUG --extra 'a b'")
    line = next(ln for ln in run.stdout.splitlines() if program in ln)
    assert "--log-level DEBUG --extra 'a b'" in line, run.stdout


def test_no_recipe_overrides_the_producer_source_variable():
    line = make("-n", "producer", "ARGS=--max-messages 3", env={"PRODUCER_SOURCE": "synthetic"}).stdout.strip()
    assert line.endswith('producer.py --source "${PRODUCER_SOURCE:-auto}" --max-messages 3'), line
    dlq = make("-n", "dlq").stdout.strip().splitlines()[-1]
    assert "-n" not in dlq.split("dlq", 1)[1], dlq   # OBSERVE_DLQ_LAST decides, unless N= is given
    assert "-n 5" in make("-n", "dlq", "N=5").stdout


@pytest.mark.parametrize("args, env, message", [
    ((), {"PRODUCER_SOURCE": "bogus"},
     "producer.py: error: PRODUCER_SOURCE='bogus' is not one of api, synthetic, auto, file:PATH; fix or unset it"),
    (("ARGS=--rate -1",), {}, "producer.py: error: argument --rate: -1 is below its minimum 0"),
    (("ARGS=--log-level verbose",), {},
     "producer.py: error: argument --log-level: 'verbose' is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
])
def test_a_bad_value_through_make_producer_is_the_programs_one_line(args, env, message):
    run = make("producer", *args, env=env)
    lines = run.stderr.strip().splitlines()
    # make adds its own "*** [producer] Error 2" line, and exits 2 whenever a recipe fails.
    assert run.returncode == 2 and lines[0] == message and len(lines) == 2 and "Error 2" in lines[1], run.stderr


def test_make_help_lists_every_target_with_a_line():
    out = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    targets = {line.split()[1] for line in out.splitlines()}
    phony = (ROOT / "Makefile").read_text().split(".PHONY:", 1)[1].splitlines()[0].split()
    assert targets == set(phony)
    assert all(len(line.split(None, 2)) == 3 for line in out.splitlines())
