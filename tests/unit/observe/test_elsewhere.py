"""TO MOVE: tests that came from tests/unit/test_observe.py but test code outside userprofiles/observe/; the
merger of the tests/unit/<subpackage>/ layout places them:

- test_progress_document_of_a_micro_batch              -> tests/unit/consumer/test_progress_record.py
- test_the_listener_records_a_micro_batch_after_its_group_commit_only -> tests/unit/consumer/test_progress.py
- test_redact_uri                                      -> tests/unit/config/test_settings.py
- test_help_shows_each_flags_env_and_default           -> tests/unit/config/test_helpformat.py
- test_make_help_lists_every_target_with_a_line        -> tests/unit/test_make_targets.py (the Makefile)
- test_long_steps_print_progress_and_their_duration    -> a test of stack/lib.sh (with_progress), e.g.
  tests/unit/stack/test_lib.py
"""
from __future__ import annotations

import json
import os
import subprocess
from types import SimpleNamespace

import pytest

from tests.support.paths import ROOT
from userprofiles.config.helpformat import DefaultsHelpFormatter
from userprofiles.config.options import consumer_parser, producer_parser
from userprofiles.config.settings import redact_uri
from userprofiles.consumer.consumer_group import BatchNote
from userprofiles.consumer.progress_record import progress_doc


def test_progress_document_of_a_micro_batch():
    note = BatchNote(7, 1_000, 30, 12.5, 40.0)
    assert progress_doc("q", note, {"written": 28, "dead_lettered": 2}, 900) == {
        "_id": "q:7", "query": "q", "batch": 7, "committed_ms": 1_000, "rows": 30, "written": 28,
        "dead_lettered": 2, "p50_ms": 12.5, "p95_ms": 40.0, "duration_ms": 900}


def test_redact_uri():
    assert redact_uri("mongodb://bob:secret@h:1/") == "mongodb://bob:***@h:1/"
    assert redact_uri("mongodb://h:1/") == "mongodb://h:1/"


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


def test_make_help_lists_every_target_with_a_line():
    out = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    targets = {line.split()[1] for line in out.splitlines()}
    phony = (ROOT / "Makefile").read_text().split(".PHONY:", 1)[1].splitlines()[0].split()
    assert targets == set(phony)
    assert all(len(line.split(None, 2)) == 3 for line in out.splitlines())


def test_long_steps_print_progress_and_their_duration():
    script = f'source {ROOT}/stack/lib.sh; with_progress "building something" sleep 2.5; echo rc=$?'
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30,
                         env={**os.environ, "PROGRESS_SECONDS": "1", "STACK_HOME": "/tmp/observe-test-stack"})
    assert out.stdout.strip() == "rc=0"
    assert "[stack] still building something (0m01s)\n[stack] still building something (0m02s)\n" in out.stderr
    assert "[stack] building something took 0m0" in out.stderr
    failing = subprocess.run(["bash", "-c", f'source {ROOT}/stack/lib.sh; set +e; with_progress x false; echo rc=$?'],
                             capture_output=True, text=True, timeout=30,
                             env={**os.environ, "STACK_HOME": "/tmp/observe-test-stack"})
    assert failing.stdout.strip() == "rc=1"


def test_the_listener_records_a_micro_batch_after_its_group_commit_only():
    from userprofiles.consumer.progress import ProgressListener

    class Group:
        ok = True
        def commit(self, ends, note):   # noqa: E301
            return self.ok

    class Recorder:
        notes = []
        def record(self, note, stats, duration_ms):   # noqa: E301
            self.notes.append((note.batch, note.rows, duration_ms))

    group, recorder = Group(), Recorder()
    listener = ProgressListener(group=group, recorder=recorder)

    def progress(batch, end):
        src = SimpleNamespace(endOffset=json.dumps({"t": {"0": end}}), latestOffset=None)
        return SimpleNamespace(progress=SimpleNamespace(batchId=batch, sources=[src], numInputRows=5,
                                                        batchDuration=700))

    listener.onQueryProgress(progress(3, 10))
    listener.onQueryProgress(progress(4, 10))   # nothing new read: no commit, no record
    group.ok = False
    listener.onQueryProgress(progress(5, 15))   # the group commit failed: no record either
    assert recorder.notes == [(3, 5, 700)]
