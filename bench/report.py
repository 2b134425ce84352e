"""The benchmark's report: the machine it ran on, the table of figures and the one-line summary."""
from __future__ import annotations

import os
import platform


def machine() -> dict:
    model = ""
    try:
        model = next(ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = next(int(ln.split()[1]) for ln in open("/proc/meminfo") if ln.startswith("MemTotal"))
    return {"cpus": os.cpu_count(), "cpu_model": model, "mem_gib": round(mem / 2**20, 1),
            "kernel": platform.release(), "python": platform.python_version(), "loadavg_start": os.getloadavg()}


def _all_services(us_per_row: dict) -> float:
    """CPU per row of all services together: consumer_python is already inside consumer (its process tree)."""
    return sum(v for k, v in us_per_row.items() if k != "consumer_python")


def table(r: dict) -> str:
    rows = []
    p, pl, b, lt = r.get("producer"), r.get("pipeline"), r.get("baseline"), r.get("latency")

    def cpu_line(c):
        return (" ".join(f"{k} {c[k]:.2f}" for k in ("consumer", "cassandra", "kafka", "ferretdb", "other")
                         if k in c) + f" (of {r['machine']['cpus']} cores; consumer's Python workers "
                f"{c.get('consumer_python', 0):.2f})")

    if p:
        rows.append(("producer throughput", f"{p['msgs_per_s']:,} msg/s",
                     f"{p['messages']:,} messages in {p['seconds']} s, lz4, linger {p['linger_ms']} ms"))
    if pl:
        warm = pl.get("warmup_records", 0)
        rows.append(("pipeline throughput (steady)", f"{pl['steady_rows_per_s']:,} rows/s",
                     f"{pl['landed']:,} rows in {pl['micro_batches']} micro-batches; "
                     f"{pl.get('measured_batches', pl['micro_batches'] - 1)} measured ({pl.get('window_s', 0)} s)"
                     + (f" after {warm:,} warm-up records" if warm else "")
                     + f"; whole run {pl['wall_s']} s incl. {pl['startup_s']} s to the first commit"))
        cold = pl.get("cold")
        if cold:
            c = cold.get("cpu_us_per_row") or {}
            rows.append(("pipeline throughput (cold)", f"{cold['steady_rows_per_s']:,} rows/s",
                         f"the warm-up records after the first micro-batch ({cold.get('measured_batches', 0)} "
                         f"measured, {cold.get('window_s', 0)} s), the JIT still compiling; CPU per row "
                         f"{_all_services(c):,.0f} us"))
    ch = r.get("changed")
    if ch:
        c = ch.get("cpu_us_per_row") or {}
        rows.append((f"changed profiles ({ch['changed']:,} of {ch['messages']:,})",
                     f"{ch['steady_rows_per_s']:,} rows/s",
                     f"{ch['rows']:,} rows written; CPU per row "
                     f"{_all_services(c):,.0f} us; analytics keys that differ "
                     f"from the table: {ch['analytics_keys_differ']}"))
    if b:
        rows.append(("row-by-row baseline (steady)", f"{b['steady_rows_per_s']:,} rows/s",
                     f"{b['rows']:,} rows" + ("" if b["completed"] else f", time-boxed at {b['budget_s']:.0f} s")))
    if pl and b and b["steady_rows_per_s"]:
        rows.append(("speed-up vs baseline", f"{r['ratio']:.1f}x", "same topic, same run"))
    if lt:
        rows.append((f"latency at {lt['offered_rate']:.0f} msg/s", f"p99 {lt['p99_ms']:,} ms",
                     f"p50 {lt['p50_ms']:,} / p95 {lt['p95_ms']:,} / max {lt['max_ms']:,} ms over "
                     f"{lt['rows_measured']:,} rows, {lt['missing']} missing"))
    tk = r.get("trickle")
    if tk:
        rows.append((f"micro-batch wall at {tk['offered_rate']:.0f} msg/s", f"p50 {tk['batch_p50_ms']:,} ms",
                     f"p95 {tk['batch_p95_ms']:,} / max {tk['batch_max_ms']:,} ms over {tk['batches']} batches; "
                     f"{tk['falling_behind_warnings']} 'falling behind' warnings"))
        rows.append((f"latency at {tk['offered_rate']:.0f} msg/s", f"p50 {tk['p50_ms']:,} ms",
                     f"p95 {tk['p95_ms']:,} / p99 {tk['p99_ms']:,} ms over {tk['rows_measured']:,} rows"))
        rows.append(("start to first row", f"{tk['start_to_first_row_s']} s",
                     f"new checkpoint; restarted on the same checkpoint: {tk['restart_to_first_row_s']} s"))
        rows.append(("consumer CPU while idle", f"{tk['cpu_idle'].get('consumer', 0):.3f} cores",
                     f"over {tk['cpu_idle']['window_s']} s without data"))
    if pl:
        rows.append(("consumer peak RSS", f"{pl['peak_rss_mb']:,} MB",
                     "driver JVM + Python workers, throughput phase"
                     + (f"; {lt['peak_rss_mb']:,} MB in the latency phase" if lt else "")))
        rows.append(("CPU, throughput (cores)", f"{pl['cpu_steady']['machine']:.2f} busy", cpu_line(pl["cpu_steady"])))
    if pl and pl.get("cpu_us_per_row"):
        c = pl["cpu_us_per_row"]
        rows.append(("CPU per row, pipeline", f"{_all_services(c):,.0f} us",
                     " ".join(f"{k} {v:,.0f}" for k, v in c.items())))
    if b:
        rows.append(("CPU, baseline (cores)", f"{b['cpu_steady']['machine']:.2f} busy", cpu_line(b["cpu_steady"])))
    if lt:
        rows.append(("CPU, latency (cores)", f"{lt['cpu']['machine']:.2f} busy", cpu_line(lt["cpu"])))
    stt = r.get("state")
    if stt:
        rows.append((f"state at {stt['profiles']:,} profiles", f"{stt['bytes_per_profile_files']} B/profile",
                     f"RocksDB {stt['memory_mb']:,} MB memory, {stt['sst_mb']:,} MB files; checkpoint state "
                     f"{stt['checkpoint_state_bytes'] / 2**20:,.0f} MB; consumer peak RSS {stt['peak_rss_mb']:,} MB"))
    m = r["machine"]
    rows.append(("machine", f"{m['cpus']} cores, {m['mem_gib']} GiB",
                 f"load average {m['loadavg_start'][0]:.2f} at start, {m['loadavg_end'][0]:.2f} at end"))
    w = [max(len(x[i]) for x in rows) for i in range(3)]
    line = "+-" + "-+-".join("-" * n for n in w) + "-+"
    out = [line] + [("| " + " | ".join(x[i].ljust(w[i]) for i in range(3)) + " |") for x in rows] + [line]
    return "\n".join(out)


def summary(r: dict) -> str:
    parts = []
    if "producer" in r:
        parts.append(f"producer {r['producer']['msgs_per_s']:,} msg/s")
    if "pipeline" in r:
        pl = r["pipeline"]
        parts.append(f"pipeline {pl['steady_rows_per_s']:,} rows/s"
                     + (f" ({pl['cold']['steady_rows_per_s']:,} cold)" if pl.get("cold") else ""))
    if "baseline" in r:
        parts.append(f"baseline {r['baseline']['steady_rows_per_s']:,} rows/s ({r.get('ratio', 0):.1f}x)")
    if "latency" in r:
        lt = r["latency"]
        parts.append(f"p50/p95/p99 {lt['p50_ms']}/{lt['p95_ms']}/{lt['p99_ms']} ms at {lt['offered_rate']:.0f} msg/s")
    if "trickle" in r:
        tk = r["trickle"]
        parts.append(f"batch p50/p95 {tk['batch_p50_ms']}/{tk['batch_p95_ms']} ms and latency p50 {tk['p50_ms']} ms "
                     f"at {tk['offered_rate']:.0f} msg/s, first row {tk['start_to_first_row_s']} s "
                     f"(restart {tk['restart_to_first_row_s']} s)")
    if "pipeline" in r:
        parts.append(f"consumer RSS {r['pipeline']['peak_rss_mb']} MB")
    parts.append(f"load {r['machine']['loadavg_start'][0]:.1f}")
    return "bench: " + ", ".join(parts)
