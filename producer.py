"""Publish randomuser.me user records to Kafka, one JSON message per user, keyed by login.uuid.

    python producer.py [--source api|synthetic|auto|file:PATH] [--messages-per-iteration N]
                       [--pause-seconds S] [--rate R] [--max-messages N] [--help]

Every flag has an environment variable (see --help); the settings are read once, here.
"""
import logging
import sys

from userprofiles.config.logs import setup_logging
from userprofiles.config.options import producer_parser, producer_settings


def main(argv=None) -> int:
    settings = producer_settings(producer_parser().parse_args(argv))
    setup_logging(settings.log_level)
    from userprofiles.producer import loop, sources

    try:
        stats = loop.run(settings)
    except (loop.KafkaUnavailable, sources.SourceError) as exc:
        print(f"producer.py: error: {exc}", file=sys.stderr)
        return 2
    logging.getLogger("producer").info("done: %s", stats.line())
    rerun = ("rerun: the same file gives the same keyed records, so stored users are overwritten, not doubled"
             if settings.source.startswith("file:") else
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
