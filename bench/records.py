"""The benchmark's records: synthetic users generated in parallel, which of them become rows, changed copies."""
from __future__ import annotations

import datetime as dt
import json
import os
from multiprocessing import Pool


def _gen_chunk(job):
    from userprofiles.producer import sources, synthetic

    n, seed = job
    return [sources.encode(u) for u in synthetic.generate_users(n, seed=seed, minor_share=0.05)]


def generate(n: int, seed: int) -> list[tuple[bytes, bytes]]:
    chunk = 5000
    jobs = [(min(chunk, n - i), seed * 1000 + i // chunk) for i in range(0, n, chunk)]
    with Pool(min(len(jobs), os.cpu_count() or 1) or 1) as pool:
        return [m for part in pool.map(_gen_chunk, jobs) for m in part]


def landing_uuids(messages) -> set[str]:
    """uuids that become rows: records older than 13 today (UTC)."""
    today = dt.datetime.now(dt.UTC).date()
    out = set()
    for key, value in messages:
        born = dt.date.fromisoformat(json.loads(value)["dob"]["date"][:10])
        if today.year - born.year - ((today.month, today.day) < (born.month, born.day)) > 13:
            out.add(key.decode())
    return out


def changed_copy(value: bytes, n: int) -> bytes:
    """The same user (same uuid) with another nationality, gender and e-mail domain."""
    rec = json.loads(value)
    rec["nat"] = ("FR", "GB", "NO", "BR", "IN")[n % 5]
    rec["gender"] = "male" if rec["gender"] == "female" else "female"
    rec["email"] = rec["email"].split("@")[0] + f"@changed{n % 7}.example"
    return json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode()
