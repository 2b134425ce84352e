"""`make status`: each store up or down with its address, and the pipeline's figures, in a few seconds.

    python -m userprofiles.observe.status [--help]
"""
from __future__ import annotations

import argparse
import sys
import time

from userprofiles.config import options
from userprofiles.config.settings import ObserveSettings, uri_address
from userprofiles.observe import figures
from userprofiles.observe.snapshot import Snapshot
from userprofiles.observe.stores import open_stores


def parser() -> argparse.ArgumentParser:
    return options.parser("make status", "Each store up or down, Cassandra's rows, the analytics' keys and "
                           "profiles, dead letters by reason, the consumer's lag per partition.",
                           options.OBSERVE_OPTIONS)


def _clock(t: float) -> str:
    return time.strftime("%H:%M:%S UTC", time.gmtime(t))


def render(snap: Snapshot, conf: ObserveSettings) -> str:
    out = [f"pipeline status, read in {snap.seconds:.1f}s at {_clock(snap.taken_at)}", ""]
    err = snap.errors

    def service(name, addr, ok_text):
        state = f"down   {err[name]}" if name in err else f"up     {ok_text}"
        out.append(f"{name:<10} {addr:<28} {state}")

    kafka, cass, mongo = conf.kafka, conf.cassandra, conf.mongo
    produced = "" if snap.lags is None else (f"{kafka.topic}: {snap.produced:,} messages in "
                                             f"{len(snap.lags)} partitions")
    service("kafka", kafka.bootstrap_servers, produced)
    rows = "" if snap.rows is None else f"{cass.keyspace}.{cass.table}: {snap.rows.rows:,} rows ({snap.rows.how})"
    service("cassandra", cass.address, rows)
    profiles = "" if snap.collections is None else f"{mongo.db}: {snap.profiles:,} profiles"
    service("mongodb", uri_address(mongo.uri), profiles)

    if snap.collections is not None:
        out += ["", f"{'analytics (' + mongo.db + ')':<44} {'keys':>8} {'profiles':>10}"]
        for name, f in snap.collections.items():
            out.append(f"  {name:<42} {f.keys:>8,} {f.profiles:>10,}")

    if snap.dlq_total is not None:
        scanned = len(snap.dlq_scanned)
        of = "" if scanned == snap.dlq_total else f" (reasons of the latest {scanned:,})"
        out += ["", f"dead letters in {kafka.dlq_topic}: {snap.dlq_total:,}{of}"]
        out += [f"  {n:>8,}  {reason}" for reason, n in figures.reason_counts(snap.dlq_scanned)]

    if snap.lags is not None:
        out += [""]
        if "group" in err:
            out.append(f"consumer lag on {kafka.topic}: unknown, {err['group']}")
        else:
            note = snap.note
            when = (f", last micro-batch {note.batch} committed at {_clock(note.committed_ms / 1000)}"
                    if note else "")
            out.append(f"consumer lag on {kafka.topic}: {sum(x.lag for x in snap.lags):,} messages "
                       f"(end offsets - the offsets of the consumer group {conf.consumer_group}{when})")
        out.append(f"  {'partition':>9} {'end offset':>12} {'committed':>12} {'lag':>10}")
        for x in snap.lags:
            committed = "-" if x.committed is None else f"{x.committed:,}"
            out.append(f"  {x.partition:>9} {x.end:>12,} {committed:>12} {x.lag:>10,}")
    return "\n".join(out)


def main(argv=None) -> int:
    with open_stores(parser(), argv) as (_args, conf, stores):
        print(render(stores.snapshot(), conf))
    return 0


if __name__ == "__main__":
    sys.exit(main())
