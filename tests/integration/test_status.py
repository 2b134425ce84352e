"""`make status` and `make dlq` on a sandbox with known contents: the figures they print are the stores'."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import time

from tests.support.addresses import BOOTSTRAP, free_port
from tests.support.clients import watermarks
from tests.support.paths import ROOT
from tests.support.processes import child_env, spark_submit

from . import observe_data as data


def _run(module: str, sb, tmp_path, *extra: str, timeout: float = 60) -> tuple[str, float]:
    args = [sys.executable, "-m", module, "--bootstrap-servers", BOOTSTRAP, "--topic", sb.topic,
            "--dlq-topic", sb.dlq, "--keyspace", sb.keyspace, "--mongo-db", sb.mongo_db,
            "--checkpoint", str(tmp_path / "checkpoint"), "--query-name", sb.group, *extra]
    t0 = time.monotonic()
    out = subprocess.run(args, cwd=ROOT, env=child_env("dashboard"), capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr
    return out.stdout, time.monotonic() - t0


def test_status_prints_the_stores_figures(sandbox, tmp_path):
    recs = data.records(137, seed=11)
    data.create_table(sandbox)
    data.write_rows(sandbox, recs)
    data.add_analytics(sandbox, recs[:120])      # the consumer has counted 120 of them so far
    committed = data.pipeline_history(sandbox, tmp_path / "checkpoint", recs[:120], batches=4, per_batch=30,
                                      every=5, latency_of=lambda i: 1.0)
    data.produce(sandbox.topic, recs[120:], sandbox.partitions)   # 17 more, not consumed yet
    data.dead_letters(sandbox, 7)

    out, seconds = _run("userprofiles.observe.status", sandbox, tmp_path)

    rows = sandbox.row_count()
    assert rows == 137
    assert f"{sandbox.keyspace}.users_profiles: {rows:,} rows (SELECT count(*))" in out, out
    counts = data.analytics_counts(sandbox)
    for coll, keys in counts.items():
        assert re.search(rf"^\s+{coll}\s+{len(keys):,}\s+{sum(keys.values()):,}$", out, re.M), (coll, out)
    assert f"{sandbox.mongo_db}: 120 profiles" in out
    # Dead letters: 7 = 3 + 2 + 2 by reason, most frequent first.
    assert f"dead letters in {sandbox.dlq}: 7" in out
    reasons = re.findall(r"^\s+(\d+)\s+(.+)$", out.split("dead letters in", 1)[1].split("consumer lag")[0], re.M)
    assert reasons == [("3", "not a JSON object"), ("2", "dob.date in the future"), ("2", "missing login.uuid")]
    # Lag per partition: the topic's end offsets minus the consumer group's offsets (the last committed batch).
    marks = watermarks(sandbox.topic)
    assert f"consumer lag on {sandbox.topic}: 17 messages" in out, out
    for p, (_, end) in marks.items():
        assert re.search(rf"^\s+{p}\s+{end:,}\s+{committed[p]:,}\s+{end - committed[p]:,}$", out, re.M), out
    assert seconds < 15, f"make status took {seconds:.1f}s"


def test_status_after_the_real_consumer_has_no_lag_and_counts_what_it_wrote(sandbox, tmp_path):
    """The offsets as the consumer commits them to its group: after --available-now, every partition is
    committed to its end, and Kafka's own tool sees the same (no lag, then the lag of what comes next)."""
    recs = data.records(150, seed=21)
    sandbox.produce([json.dumps(r) for r in recs] + ["not JSON"],
                    keys=[r["login"]["uuid"].encode() for r in recs] + [None])
    run = spark_submit(sandbox.consumer_args(tmp_path, "--available-now"))
    assert run.returncode == 0, run.stderr[-2000:]

    out, _ = _run("userprofiles.observe.status", sandbox, tmp_path, "--checkpoint", str(sandbox.checkpoint(tmp_path)))
    rows = sandbox.row_count()
    assert rows == 150
    assert f"{sandbox.keyspace}.users_profiles: {rows:,} rows (SELECT count(*))" in out, out
    assert f"{sandbox.mongo_db}: 150 profiles" in out
    assert f"dead letters in {sandbox.dlq}: 1" in out
    assert f"consumer lag on {sandbox.topic}: 0 messages" in out, out
    for p, (_, end) in watermarks(sandbox.topic).items():
        assert re.search(rf"^\s+{p}\s+{end:,}\s+{end:,}\s+0$", out, re.M), out

    # Kafka's own kafka-consumer-groups.sh sees the consumer's group: no lag, then the lag of 7 new messages.
    assert _group_lags(sandbox) == {p: 0 for p in range(sandbox.partitions)}
    sandbox.produce([json.dumps(r) for r in data.records(7, seed=22)])
    lags = _group_lags(sandbox)
    assert sum(lags.values()) == 7, lags
    assert f"consumer lag on {sandbox.topic}: 7 messages" in _run("userprofiles.observe.status", sandbox, tmp_path)[0]


def _group_lags(sb) -> dict[int, int]:
    """Partition -> LAG of the sandbox's topic in kafka-consumer-groups.sh --describe (make consumer-groups)."""
    out = subprocess.run(["bash", str(ROOT / "stack" / "kafka.sh"), "consumer-groups", "--describe", "--group",
                          sb.group], cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    rows = [ln.split() for ln in out.stdout.splitlines()]
    head = next(r for r in rows if r[:2] == ["GROUP", "TOPIC"])
    return {int(r[head.index("PARTITION")]): int(r[head.index("LAG")]) for r in rows
            if len(r) == len(head) and r[0] == sb.group and r[1] == sb.topic}


def test_status_says_which_store_is_down_and_still_prints_the_others(sandbox, tmp_path):
    data.create_table(sandbox)
    data.write_rows(sandbox, data.records(5, seed=3))
    # A port where nothing listens: MongoDB is "down" for this status only.
    free = free_port()
    out, seconds = _run("userprofiles.observe.status", sandbox, tmp_path, "--mongo-uri",
                        f"mongodb://127.0.0.1:{free}/", "--timeout", "2")
    assert re.search(rf"^mongodb\s+127.0.0.1:{free}\s+down\s+MongoDB at mongodb://127.0.0.1:{free}/ "
                     r"does not answer \(.*\); start it \(make up\) or fix MONGO_URI\.$", out, re.M), out
    assert f"{sandbox.keyspace}.users_profiles: 5 rows" in out
    assert "Traceback" not in out
    assert seconds < 12, f"make status took {seconds:.1f}s with MongoDB down"


def test_dlq_prints_reason_counts_then_the_latest_with_headers(sandbox, tmp_path):
    bodies = data.dead_letters(sandbox, 5)
    out, _ = _run("userprofiles.observe.dlq", sandbox, tmp_path, "-n", "2")
    lines = out.splitlines()
    assert lines[0] == f"{sandbox.dlq}: 5 dead letters"
    assert [ln.split(None, 1) for ln in lines[1:4]] == [["2", "missing login.uuid"], ["2", "not a JSON object"],
                                                     ["1", "dob.date in the future"]]
    latest = [ln for ln in lines if ln.startswith("- ")]
    assert len(latest) == 2
    for line, body in zip(latest, bodies[-2:], strict=False):
        assert f"{body['reason']}  from {sandbox.topic}[{body['source_partition']}]@{body['source_offset']}" in line
    assert f"headers: reason=missing login.uuid, __connect.errors.topic={sandbox.topic}" in out
    assert 'payload (redacted): {"email":"***","nat":"FR"}' in out
