"""The state phase: P distinct profiles through a consumer, the per-profile state's size and the RSS."""
from __future__ import annotations

import time
import uuid

from tests.support.paths import ROOT

from .figures import STATE_LINE, batch_lines
from .launch import spark
from .sampling import Sampler


def phase_state(sb, tmp, base, n: int, extra: list[str], log) -> dict:
    """N distinct profiles (the `base` records under fresh uuids), then the consumer over them: the state's
    size from Spark's progress and on disk, and the consumer's peak RSS."""
    msgs = []
    for i in range(n):
        key, value = base[i % len(base)]
        ident = str(uuid.UUID(int=i + 1, version=4))
        msgs.append((ident.encode(), value.replace(key, ident.encode())))
    for i in range(0, n, 100_000):
        sb.produce([v for _, v in msgs[i:i + 100_000]], keys=[k for k, _ in msgs[i:i + 100_000]])
    del msgs
    log_path = tmp / "state.log"
    t0 = time.time()
    proc = spark(ROOT / "consumer_spark.py", sb.consumer_args(tmp, "--available-now", *extra), log_path)
    sampler = Sampler(proc.pid)
    sampler.start()
    rc = proc.wait()
    sampler.stop()
    if rc != 0:
        raise SystemExit(f"bench: error: consumer_spark.py exited {rc}; see {log_path}")
    lines = batch_lines(log_path)
    m = next((STATE_LINE.search(ln) for ln in reversed(lines) if STATE_LINE.search(ln)), None)
    profiles, memory_mb, sst_mb = (int(g.replace(",", "")) for g in m.groups()) if m else (0, 0, 0)
    state_dir = sb.checkpoint(tmp) / "state"
    disk = sum(p.stat().st_size for p in state_dir.rglob("*") if p.is_file())
    out = {"profiles_sent": n, "profiles": profiles, "memory_mb": memory_mb, "sst_mb": sst_mb,
           "checkpoint_state_bytes": disk, "bytes_per_profile_files": round(sst_mb * 2**20 / max(profiles, 1), 1),
           "bytes_per_profile_checkpoint": round(disk / max(profiles, 1), 1), "wall_s": round(time.time() - t0, 1),
           "peak_rss_mb": round(sampler.peak_rss / 2**20), "cpu": sampler.cpu(), "batches": lines[-5:]}
    log(f"state: {profiles:,} profiles, RocksDB {memory_mb:,} MB memory and {sst_mb:,} MB of files "
        f"({out['bytes_per_profile_files']} B/profile), checkpoint state {disk / 2**20:,.0f} MB "
        f"({out['bytes_per_profile_checkpoint']} B/profile); consumer peak RSS {out['peak_rss_mb']:,} MB")
    return out
