"""Start-up checks of the consumer: each service and folder it needs, with a one-line error naming the
cause and the fix, within seconds, before Spark starts (Spark would otherwise wait forever on a topic
that does not exist, or fail in the first micro-batch with a wall of Java)."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path

from userprofiles.access import refusals
from userprofiles.config.errors import short
from userprofiles.config.settings import ConsumerSettings
from userprofiles.sinks import SinkRefused, StreamSink
from userprofiles.sinks.registry import SINKS

ROLE = "consumer"   # whose credentials the consumer is given (userprofiles/access/roles.py)


class PreflightError(RuntimeError):
    pass


def check_kafka(settings: ConsumerSettings) -> None:
    """The source: Kafka answers, takes the consumer's login, and shows it the topic."""
    kafka, wait = settings.kafka, settings.connect_timeout
    try:
        md = refusals.kafka_metadata(kafka.client_config(), role=ROLE, wait=wait)
    except refusals.AccessRefused as exc:
        raise PreflightError(str(exc)) from None
    except Exception as exc:
        raise PreflightError(f"Kafka at {kafka.bootstrap_servers} is unreachable ({short(exc, 400)}); start it "
                             f"(make up) or fix --bootstrap-servers / KAFKA_BOOTSTRAP_SERVERS.") from None
    if kafka.topic not in md.topics:
        raise PreflightError(f"Kafka topic '{kafka.topic}' does not exist on {kafka.bootstrap_servers}, or the user "
                             f"'{kafka.sasl_username}' may not see it; create it and grant the consumer's ACLs "
                             f"(make up does, for the stack's topics) or fix --topic.")


def check_checkpoint(settings: ConsumerSettings) -> None:
    path = Path(settings.stream.checkpoint_dir)
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-test-{uuid.uuid4().hex}"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise PreflightError(f"checkpoint folder {path} is not writable ({exc.strerror}); give this user write "
                             f"access or choose another with --checkpoint / SPARK_CHECKPOINT_DIR.") from None


def check_runtime() -> None:
    """The Spark this consumer was checked on, and its JVM piece built."""
    from userprofiles import internals
    from userprofiles.consumer import jvm

    problem = internals.check_spark_version()
    if problem:
        raise PreflightError(problem)
    if not jvm.installed():
        raise PreflightError(jvm.MISSING)


def run_all(settings: ConsumerSettings, sinks: Sequence[type[StreamSink]] = SINKS) -> ConsumerSettings:
    """Every check, in order: the runtime, the checkpoint, the source, then each sink's (which may resolve its
    section of the settings); returns the settings the query runs with."""
    check_runtime()
    check_checkpoint(settings)
    check_kafka(settings)
    for sink in sinks:
        try:
            settings = sink.preflight(settings)
        except SinkRefused as exc:
            raise PreflightError(str(exc)) from None
    return settings


def descriptions(settings: ConsumerSettings, sinks: Sequence[type[StreamSink]] = SINKS) -> list[str]:
    """What each sink says of how it will write (after run_all)."""
    return [line for sink in sinks if (line := sink.describe(settings))]
