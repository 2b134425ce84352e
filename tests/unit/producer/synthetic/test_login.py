"""login: salted hashes, uuid v4 and username shape, on real records and on ours."""

from __future__ import annotations

import hashlib
import re
import uuid

from userprofiles.producer.synthetic import login


def _check_login(rec):
    lg = rec["login"]
    raw = (lg["password"] + lg["salt"]).encode("utf-8")
    assert lg["md5"] == hashlib.md5(raw).hexdigest()
    assert lg["sha1"] == hashlib.sha1(raw).hexdigest()
    assert lg["sha256"] == hashlib.sha256(raw).hexdigest()
    assert re.fullmatch(r"[a-zA-Z0-9]{8}", lg["salt"])
    u = uuid.UUID(lg["uuid"])
    assert u.version == 4 and str(u) == lg["uuid"]
    assert re.fullmatch(r"[a-z]+[1-9]\d{2}", lg["username"])


def test_login_real_records(real):
    for r in real:
        _check_login(r)


def test_login_generated(users):
    username = re.compile(rf"(?:{'|'.join(login.ADJECTIVES)})(?:{'|'.join(login.ANIMALS)})[1-9]\d{{2}}")
    for u in users:
        _check_login(u)
        assert username.fullmatch(u["login"]["username"])
    assert len({u["login"]["uuid"] for u in users}) == len(users)
    assert len({u["login"]["password"] for u in users}) > 30
