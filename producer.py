"""Publish randomuser.me user records to Kafka, one JSON message per user, keyed by login.uuid.

    python producer.py [--source api|synthetic|auto|file:PATH] [--batch-size N] [--interval S] [--help]
"""
import logging
import sys

from userprofiles.config import producer_parser
from userprofiles.logs import setup_logging


def main(argv=None) -> int:
    args = producer_parser().parse_args(argv)
    setup_logging(args.log_level)
    from userprofiles import publish, sources

    try:
        stats = publish.run(args)
    except (publish.KafkaUnavailable, sources.SourceError) as exc:
        print(f"producer.py: error: {exc}", file=sys.stderr)
        return 2
    logging.getLogger("producer").info("done: %s", stats.line())
    rerun = ("rerun: the same file gives the same keyed records, so stored users are overwritten, not doubled"
             if args.source.startswith("file:") else
             "the api and synthetic sources give new users at each run, so a rerun does not resend these")
    if stats.failed:
        print(f"producer.py: error: {stats.failed} messages were not delivered ({stats.first_error}); "
              f"check the broker; {rerun}.", file=sys.stderr)
        return 1
    if stats.skipped:
        print(f"producer.py: error: {stats.skipped} messages could not be produced and were skipped (each "
              f"reported above); fix them at their source.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
