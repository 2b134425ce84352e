"""The producer's sources. The API source talks HTTP to a local stand-in of randomuser.me that replays
the API's real answers (../shared/randomuser/responses.json) and our own fixtures."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from urllib.parse import parse_qs, urlparse

import pytest

from userprofiles.producer import sources
from userprofiles.producer.minimise import drop_login_secrets, without_login_secrets

from ...conftest import FIXTURES, shared_file


@pytest.fixture
def fixture_lines():
    return (FIXTURES / "users.jsonl").read_text(encoding="utf-8").splitlines()


class FakeAPI:
    """Answers GET /api/ from a script of (status, body, headers); records the query strings."""

    def __init__(self, script):
        self.script, self.queries = list(script), []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                api.queries.append(parse_qs(urlparse(self.path).query))
                status, body, headers = api.script.pop(0) if len(api.script) > 1 else api.script[0]
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def envelope(records):
    return {"results": records, "info": {"seed": "abc", "results": len(records), "page": 1, "version": "1.4"}}


def test_api_source_publishes_each_user_keyed_by_uuid(fixture_records):
    api = FakeAPI([(200, envelope(fixture_records[:2]), {})])
    try:
        batch = next(sources.api_pages(api.url, 2, nat="FR,GB", seed="s1"))
    finally:
        api.close()
    assert [k for k, _ in batch] == [r["login"]["uuid"].encode() for r in fixture_records[:2]]
    assert [json.loads(v) for _, v in batch] == [drop_login_secrets(r) for r in fixture_records[:2]]
    assert api.queries[0] == {"results": ["2"], "nat": ["FR,GB"], "seed": ["s1"], "page": ["1"]}


def test_api_source_retries_429_and_5xx_honouring_retry_after(fixture_records):
    api = FakeAPI([(429, {"error": "Whoa, ease up there cowboy."}, {"Retry-After": "1"}),
                   (503, b"<html>Cloudflare</html>", {}),
                   (200, envelope(fixture_records[:1]), {})])
    t0 = time.monotonic()
    try:
        batch = next(sources.api_pages(api.url, 1, retries=3))
    finally:
        api.close()
    assert len(api.queries) == 3
    assert time.monotonic() - t0 >= 1.0  # the server's Retry-After: 1 was waited for
    assert len(batch) == 1


def test_api_error_bodies_are_logged_and_skipped_never_raised(caplog):
    errors = json.loads(shared_file("responses.json").read_text())["errors"]
    for e in errors:
        assert sources.parse_api_response(e["http_status"], json.dumps(e["body"]).encode()) == []
    assert "ease up there cowboy" in caplog.text and "no users" in caplog.text
    assert sources.parse_api_response(200, b"<html>502 Bad Gateway</html>") == []
    assert sources.parse_api_response(200, b"[1, 2]") == []


def test_real_api_responses_give_their_users():
    for resp in json.loads(shared_file("responses.json").read_text())["responses"]:
        users = sources.parse_api_response(200, json.dumps(resp).encode())
        assert users == resp["results"] and users


def test_api_batch_size_outside_the_api_limits_is_refused():
    with pytest.raises(sources.SourceError, match="1-5000"):
        next(sources.api_pages("http://127.0.0.1:9/", 5001))


def test_file_source_reads_json_lines_and_api_responses(tmp_path, fixture_lines, fixture_records):
    lines = tmp_path / "users.jsonl"
    lines.write_text("\n".join(fixture_lines[:2] + ["", json.dumps(envelope(fixture_records[2:]))]) + "\n")
    msgs = [m for b in sources.file_pages(lines, 3) for m in b]
    assert [json.loads(v)["login"]["uuid"] for _, v in msgs] == [r["login"]["uuid"] for r in fixture_records]
    # A line is sent as it is: byte for byte what the file holds, but for its login secrets' members.
    assert msgs[0][1] == without_login_secrets(fixture_lines[0].encode()) != fixture_lines[0].encode()

    whole = tmp_path / "response.json"
    whole.write_text(json.dumps(envelope(fixture_records), indent=2))
    assert len([m for b in sources.file_pages(whole, 10) for m in b]) == len(fixture_records)


def test_file_source_keeps_a_line_that_is_not_json_for_the_dead_letters(tmp_path, fixture_lines, caplog):
    f = tmp_path / "mixed.jsonl"
    f.write_bytes(fixture_lines[0].encode() + b"\nnot json\n\xff\xfe\n")
    msgs = [m for b in sources.file_pages(f, 10) for m in b]
    assert msgs[1:] == [(None, b"not json"), (None, b"\xff\xfe")]
    assert "mixed.jsonl:2 is not JSON" in caplog.text


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(sources.SourceError, match="cannot read .*missing.jsonl"):
        next(sources.file_pages(tmp_path / "missing.jsonl", 10))


def test_synthetic_source_gives_api_shaped_records_of_the_asked_nationalities():
    batch = next(sources.synthetic_pages(50, nat="fr,GB", seed="7"))
    recs = [json.loads(v) for _, v in batch]
    assert {r["nat"] for r in recs} <= {"FR", "GB"} and len(recs) == 50
    assert all(k == r["login"]["uuid"].encode() for (k, _), r in zip(batch, recs, strict=True))
    with pytest.raises(sources.SourceError, match="unknown nationality XX"):
        next(sources.synthetic_pages(1, nat="XX"))


def test_a_population_sends_its_users_again_with_a_share_of_changed_copies():
    pages = sources.synthetic_pages(500, seed="3", population=200, changed_share=0.1)
    recs = [json.loads(v) for _ in range(8) for _, v in next(pages)]
    by_uuid: dict[str, list[dict]] = {}
    for r in recs:
        by_uuid.setdefault(r["login"]["uuid"], []).append(r)
    assert len(by_uuid) <= 200 and len(by_uuid) > 190        # 4,000 draws leave hardly any of the 200 out
    changes = sum(a != b for copies in by_uuid.values() for a, b in pairwise(copies))
    assert 250 < changes < 550                                   # ~10% of the 4,000 messages
    # A change keeps the person and moves what an update moves; some birth dates make a minor.
    moved = [(a, b) for copies in by_uuid.values() for a, b in pairwise(copies) if a != b]
    assert all(a["name"] == b["name"] and a["nat"] == b["nat"] for a, b in moved)
    assert all(b["email"].split("@")[1] in ("example.org", "example.net", "mail.example.com") for _, b in moved)
    assert any(b["dob"]["age"] <= 13 for _, b in moved)


def test_a_population_is_refused_with_another_source():
    from userprofiles.config.options import producer_parser, producer_settings
    from userprofiles.producer.loop import open_source

    settings = producer_settings(producer_parser({}).parse_args(["--source", "api", "--population", "10"]))
    with pytest.raises(sources.SourceError, match="--population draws users from the synthetic source"):
        open_source(settings)


def test_no_source_sends_login_secrets_unless_asked(tmp_path):
    from userprofiles.producer.minimise import LOGIN_SECRETS

    def logins(pages):
        return [json.loads(v)["login"] for _, v in next(pages)]

    assert all(not set(LOGIN_SECRETS) & set(g) for g in logins(sources.synthetic_pages(20, seed="1")))
    assert all(set(LOGIN_SECRETS) <= set(g) for g in logins(sources.synthetic_pages(20, seed="1",
                                                                                     keep_login_secrets=True)))
    # A line of JSON Lines is sent as written but for the secrets' text; a list of records is serialised anew.
    line = b'{"login": {"uuid": "u1", "salt": "s", "md5": "m"}, "n": 1.50}'
    (tmp_path / "lines.jsonl").write_bytes(line + b"\r\n" + line.replace(b"u1", b"u2") + b"\n")
    (tmp_path / "list.json").write_text('[{"login": {"uuid": "u3", "password": "p"}}]')
    sent = [v for name in ("lines.jsonl", "list.json") for v in next(sources.file_pages(tmp_path / name, 10))]
    assert sent == [(b"u1", b'{"login": {"uuid": "u1"}, "n": 1.50}'), (b"u2", b'{"login": {"uuid": "u2"}, "n": 1.50}'),
                    (b"u3", b'{"login":{"uuid":"u3"}}')]
    kept = next(sources.file_pages(tmp_path / "lines.jsonl", 10, keep_login_secrets=True))
    assert kept[0] == (b"u1", line)
