"""`make dlq`: the latest dead letters, readably, after the count of each reason.

    python -m userprofiles.observe.dlq [-n 20] [--full] [--help]
"""
from __future__ import annotations

import argparse
import sys
import time

from userprofiles.config import options
from userprofiles.config.option_table import DLQ_OPTIONS
from userprofiles.observe import figures
from userprofiles.observe.snapshot import StoreDown
from userprofiles.observe.stores import open_stores


def parser() -> argparse.ArgumentParser:
    return options.parser("make dlq", "The dead letters' count by reason, then the latest N, newest last.",
                          DLQ_OPTIONS)


def render(letters: list, total: int, topic: str, last: int, full: bool) -> str:
    scanned = "" if len(letters) == total else f", reasons of the latest {len(letters):,}"
    out = [f"{topic}: {total:,} dead letters{scanned}"]
    out += [f"  {n:>8,}  {reason}" for reason, n in figures.reason_counts(letters)]
    shown = letters[-last:] if last > 0 else []
    if shown:
        out += ["", f"latest {len(shown)}, newest last:"]
    for d in shown:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(d.written_ms / 1000)) if d.written_ms else "?"
        source = f"{d.source_topic or '?'}[{d.source_partition}]@{d.source_offset}"
        size = "" if d.payload_bytes is None else f"  {d.payload_bytes:,} bytes"
        out.append(f"- {when}  {d.reason}  from {source}{size}  (dead letter {d.partition}:{d.offset})")
        if d.headers:
            out.append("    headers: " + ", ".join(f"{k}={figures.shorten(v, 60)}" for k, v in d.headers.items()))
        if d.payload_redacted is not None:
            text = d.payload_redacted if full else figures.shorten(d.payload_redacted, 150)
            out.append(f"    payload (redacted): {text}")
        else:
            out.append("    payload: not kept (not a JSON object; the original is in the source topic at that offset)")
    return "\n".join(out)


def main(argv=None) -> int:
    with open_stores(parser(), argv) as (args, conf, stores):
        try:
            total, letters = stores.kafka.dead_letters()
        except StoreDown as exc:
            print(f"make dlq: error: {exc}", file=sys.stderr)
            return 1
    print(render(letters, total, conf.kafka.dlq_topic, args.last, args.full))
    return 0


if __name__ == "__main__":
    sys.exit(main())
