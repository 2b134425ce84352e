"""Where the producer's user records come from. Each source yields pages, one per iteration of the producer's
loop: lists of (key, value) with value the record's JSON as UTF-8 bytes and key its login.uuid (None when
the record has none).

- api:        the randomuser.me API (retries with backoff on timeouts, 429 and 5xx, honouring Retry-After);
- synthetic:  the offline generator of the synthetic package, same JSON format;
- file:PATH:  JSON Lines of records, or whole API responses ({"results": [...]}), sent as they are.
"""
from __future__ import annotations

import json
import logging
import random
from collections.abc import Iterator
from pathlib import Path

from userprofiles.producer.minimise import drop_login_secrets, without_login_secrets

log = logging.getLogger("producer.source")

Message = tuple  # (key: bytes | None, value: bytes)
MAX_API_RESULTS = 5000


class SourceError(RuntimeError):
    """A source cannot be used at all (as opposed to one bad response, which is skipped)."""


def key_of(record) -> bytes | None:
    """login.uuid of a record, or None when it has none (the consumer dead-letters such a record).
    The key puts every copy of a user in one partition, in order."""
    login = record.get("login") if isinstance(record, dict) else None
    uid = login.get("uuid") if isinstance(login, dict) else None
    return uid.encode("utf-8", "backslashreplace") if isinstance(uid, str) else None


def encode(record, keep_login_secrets: bool = False) -> Message:
    """(key, value) of a record, without its login secrets unless KEEP_LOGIN_SECRETS (producer/minimise.py).
    A text with a lone surrogate (JSON can carry one as an escape) has no UTF-8 form: it is sent with its
    escapes kept, and the consumer dead-letters it."""
    if not keep_login_secrets:
        record = drop_login_secrets(record)
    try:
        value = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        value = json.dumps(record, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    return key_of(record), value


# --- api -------------------------------------------------------------------------------------------

def api_session(retries: int):
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    retry = Retry(total=retries, connect=retries, read=retries, status=retries, backoff_factor=1.0,
                  backoff_max=30, status_forcelist=(429, 500, 502, 503, 504), allowed_methods=("GET",),
                  respect_retry_after_header=True, raise_on_status=False)
    s = requests.Session()
    s.mount("https://", HTTPAdapter(max_retries=retry))
    s.mount("http://", HTTPAdapter(max_retries=retry))
    s.headers["User-Agent"] = "users-profiles-pipeline/1.0"
    return s


def parse_api_response(status: int, body: bytes) -> list[dict]:
    """The users of one API answer; [] (with a log line) for an error body, an empty or a bad answer."""
    try:
        doc = json.loads(body)
    except ValueError:
        log.warning("API answered HTTP %d with a body that is not JSON (%d bytes); skipped", status, len(body))
        return []
    if not isinstance(doc, dict):
        log.warning("API answered HTTP %d with JSON that is not an object; skipped", status)
        return []
    if "error" in doc:
        log.warning("API answered HTTP %d with an error: %s; skipped", status, str(doc["error"])[:200])
        return []
    results = doc.get("results")
    if not isinstance(results, list):
        log.warning("API answered HTTP %d without a results list; skipped", status)
        return []
    if not results:
        log.warning("API answered with no users (results is empty); skipped")
    return [r for r in results if isinstance(r, dict)]


def api_pages(url: str, per_page: int, nat: str = "", seed: str = "", timeout: float = 10.0,
              retries: int = 5, keep_login_secrets: bool = False) -> Iterator[list[Message]]:
    import requests

    if not 1 <= per_page <= MAX_API_RESULTS:
        raise SourceError(f"--messages-per-iteration {per_page} is outside the API's 1-{MAX_API_RESULTS} results per "
                          f"request; choose a value in range.")
    session = api_session(retries)
    page = 0
    while True:
        page += 1
        params = {"results": per_page}
        if nat:
            params["nat"] = nat
        if seed:  # with a seed, pages give new reproducible users
            params.update(seed=seed, page=page)
        try:
            resp = session.get(url, params=params, timeout=timeout)
        except requests.RequestException as exc:
            log.warning("API request failed after %d retries (%s); skipped", retries, type(exc).__name__)
            yield []
            continue
        yield [encode(r, keep_login_secrets) for r in parse_api_response(resp.status_code, resp.content)]


def api_reachable(url: str, timeout: float = 5.0) -> tuple[bool, str]:
    import requests

    try:
        resp = requests.get(url, params={"results": 1}, timeout=timeout)
        return bool(parse_api_response(resp.status_code, resp.content)), f"HTTP {resp.status_code}"
    except requests.RequestException as exc:
        return False, type(exc).__name__


# --- synthetic -------------------------------------------------------------------------------------

def synthetic_pages(per_page: int, nat: str = "", seed: str = "", population: int = 0,
                    changed_share: float = 0.0, keep_login_secrets: bool = False) -> Iterator[list[Message]]:
    """Generated users: each new, or with POPULATION, drawn from that many users made first, a CHANGED_SHARE of
    the messages being a changed copy of the one drawn (which it then stays)."""
    from userprofiles.producer import synthetic

    nats = [n.strip().upper() for n in nat.split(",") if n.strip()] or None
    unknown = [n for n in nats or [] if n not in synthetic.NATIONALITIES]
    if unknown:
        raise SourceError(f"unknown nationality {','.join(unknown)}; use codes among "
                          f"{','.join(synthetic.NATIONALITIES)}.")
    rng = random.Random(seed or None)

    def new_user() -> dict:
        return synthetic.generate_user(rng, rng.choice(nats) if nats else None)

    if not population:
        while True:
            yield [encode(new_user(), keep_login_secrets) for _ in range(per_page)]
    users = [new_user() for _ in range(population)]
    while True:
        page = []
        for _ in range(per_page):
            i = rng.randrange(population)
            if rng.random() < changed_share:
                users[i] = synthetic.changed_user(rng, users[i])
            page.append(encode(users[i], keep_login_secrets))
        yield page


# --- file ------------------------------------------------------------------------------------------

def file_messages(path: Path, keep_login_secrets: bool = False) -> Iterator[Message]:
    """Records of a JSON Lines file (each line a record or an API response), or of one JSON document
    (an API response, or a list of records). A line that is not JSON is sent as it is, with a warning:
    the consumer dead-letters it, so nothing is dropped silently."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read {path} ({exc.strerror}); check the path given to --source file:PATH.") from None
    stripped = data.lstrip()
    if stripped[:1] in (b"{", b"["):
        try:
            doc = json.loads(data)
        except ValueError:
            doc = None  # several lines: JSON Lines
        if isinstance(doc, dict) and isinstance(doc.get("results"), list):
            yield from (encode(r, keep_login_secrets) for r in doc["results"])
            return
        if isinstance(doc, list):
            yield from (encode(r, keep_login_secrets) for r in doc)
            return
    for lineno, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            log.warning("%s:%d is not JSON; sent as it is (the consumer will dead-letter it)", path, lineno)
            yield (None, line)
            continue
        if isinstance(doc, dict) and isinstance(doc.get("results"), list):
            yield from (encode(r, keep_login_secrets) for r in doc["results"])
        else:
            yield key_of(doc), line if keep_login_secrets else without_login_secrets(line)


def file_pages(path: Path, per_page: int, keep_login_secrets: bool = False) -> Iterator[list[Message]]:
    page: list[Message] = []
    for msg in file_messages(path, keep_login_secrets):
        page.append(msg)
        if len(page) >= per_page:
            yield page
            page = []
    if page:
        yield page
