"""Figures from what a phase measured: percentiles, steady rates, CPU per row, the consumer's per-batch lines."""
from __future__ import annotations

import re
from pathlib import Path


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def per_row(cpu: dict, rate: dict) -> dict:
    """CPU microseconds per landed row of each service over the steady window: what a row costs, which
    (unlike rows/s) hardly depends on what else the machine runs."""
    if not rate.get("steady_rows_per_s"):
        return {}
    return {k: round(v / rate["steady_rows_per_s"] * 1e6, 1) for k, v in cpu.items()
            if k not in ("window_s", "other", "machine")}


def steady_rate(writetimes_us: list[int]) -> dict:
    """Rows/s between the 10th and 90th percentile write time, and over the whole span."""
    w = sorted(writetimes_us)
    n = len(w)
    if n < 10:
        return {"rows": n, "steady_rows_per_s": 0.0, "span_rows_per_s": 0.0}
    i10, i90 = int(n * 0.10), int(n * 0.90) - 1
    steady = (i90 - i10) / max((w[i90] - w[i10]) / 1e6, 1e-6)
    span = n / max((w[-1] - w[0]) / 1e6, 1e-6)
    return {"rows": n, "steady_rows_per_s": round(steady), "span_rows_per_s": round(span),
            "t10": w[i10] / 1e6, "t90": w[i90] / 1e6, "first": w[0] / 1e6, "last": w[-1] / 1e6}


def batch_lines(log_path: Path) -> list[str]:
    # The consumer's and the baseline's line per micro-batch ("micro-batch 12: read=..." / ": written=...").
    return [ln.strip() for ln in log_path.read_text(errors="replace").splitlines() if re.search(r"batch \d+: ", ln)]


def batch_seconds(lines: list[str]) -> list[float]:
    """Wall seconds of the micro-batches that held data, from the consumer's per-batch lines (Spark's
    batchDuration: from the trigger to the commit of the batch)."""
    out = []
    for ln in lines:
        m = re.search(r"batch \d+: read=(\d+) .* in ([0-9.]+)s", ln)
        if m and int(m.group(1)) > 0:
            out.append(float(m.group(2)))
    return out


STATE_LINE = re.compile(r"state=([\d,]+) profiles \(([\d,]+) MB memory, ([\d,]+) MB files\)")
