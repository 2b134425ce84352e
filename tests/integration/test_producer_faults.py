"""producer.py against the real broker with records it cannot send as they are: each is reported in one
line, counted and skipped (or sent for the consumer to dead-letter), and every other record is delivered."""
import json

from tests.support.clients import consume_all
from tests.support.processes import run_producer
from userprofiles.producer import synthetic


def test_unproducible_records_are_skipped_one_line_each_and_the_rest_is_flushed(sandbox, tmp_path):
    users = synthetic.generate_users(30, seed=3, minor_share=0.0)
    too_big = dict(users[0], padding="x" * 1_200_000)  # over the client's 1 MB message.max.bytes
    surrogate = json.loads(json.dumps(users[1]).replace('"gender": "', '"gender": "\\ud800', 1))
    records = users[2:15] + [too_big] + users[15:22] + [surrogate] + users[22:]
    src = tmp_path / "users.json"  # one JSON array: the producer re-encodes each record
    src.write_text(json.dumps(records), encoding="utf-8")
    res = run_producer(["--source", f"file:{src}", "--topic", sandbox.topic, "--messages-per-iteration", "5"])
    err = res.stderr
    assert res.returncode == 1, err
    skipped = [line for line in err.splitlines() if "skipped:" in line]
    assert len(skipped) == 1 and "too large" in skipped[0].lower(), skipped
    assert "1 messages could not be produced" in err.splitlines()[-1]
    # The 28 users of the file and the record with a lone surrogate (escaped, for the consumer to
    # dead-letter) all arrived, nothing else.
    got = consume_all(sandbox.topic, 29, timeout=30)
    assert len(got) == 29
    assert sum(b"\\ud800" in m.value() for m in got) == 1
