"""docker-compose.yml and the Dockerfile, checked without a Docker engine: the Compose Specification's own JSON
schema, and the local stack (stack/) as the reference for ports, topics, schema file and versions."""
from __future__ import annotations

import copy
import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from userprofiles.config.addresses import default_ports

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def versions() -> dict[str, str]:
    return dict(re.findall(r"^([A-Z_0-9]+)=(\S+)$", (ROOT / "stack" / "versions.env").read_text(), re.M))


def lib_default(name: str) -> str:
    """A default of the stack: a port of stack/ports.env (e.g. KAFKA_PORT -> 9092), or of stack/lib.sh or
    stack/kafka.sh (e.g. KAFKA_PARTITIONS)."""
    if name in default_ports():
        return str(default_ports()[name])
    text = (ROOT / "stack" / "lib.sh").read_text() + (ROOT / "stack" / "kafka.sh").read_text()
    m = re.search(rf'^{name}="\$\{{{name}:-([^}}]+)\}}"', text, re.M)
    assert m, f"{name} has no default in stack/lib.sh or stack/kafka.sh"
    return m.group(1)


@pytest.fixture(scope="module")
def validator():
    import jsonschema

    path = subprocess.run(["bash", str(ROOT / "stack" / "tools.sh"), "compose-schema"], check=True,
                          capture_output=True, text=True, timeout=300).stdout.strip()
    schema = json.loads(Path(path).read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def errors(validator, doc) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


def test_compose_file_is_valid_against_the_compose_specification(validator):
    assert errors(validator, COMPOSE) == []


@pytest.mark.parametrize("mutate", [
    lambda d: d["services"]["kafka"].__setitem__("ports", [{"published": "9092", "bogus": 1}]),
    lambda d: d["services"]["kafka"]["healthcheck"].__setitem__("intervall", "10s"),
    lambda d: d["services"]["consumer"]["depends_on"]["spark-worker"].__setitem__("required", "no"),
    lambda d: d["services"].__setitem__("mongo", {**d["services"]["mongo"], "profile": ["x"]}),
    lambda d: d.__setitem__("volumes", ["kafka-data"]),
], ids=["port-field", "healthcheck-typo", "required-type", "profile-typo", "volumes-list"])
def test_the_schema_check_rejects_a_broken_file(validator, mutate):
    doc = copy.deepcopy(COMPOSE)
    mutate(doc)
    assert errors(validator, doc), "the schema accepted a broken file: the check would prove nothing"


def test_images_are_pinned_to_the_stack_versions():
    v = versions()
    want = {
        "kafka": f"apache/kafka:{v['KAFKA_VERSION']}",
        "kafka-init": f"apache/kafka:{v['KAFKA_VERSION']}",
        "cassandra": f"cassandra:{v['CASSANDRA_VERSION']}",
        "cassandra-init": f"cassandra:{v['CASSANDRA_VERSION']}",
        "spark-master": f"apache/spark:{v['SPARK_VERSION']}",
        "mongo": f"mongo:{v['MONGO_IMAGE_VERSION']}",
        "kafka-ui": f"kafbat/kafka-ui:{v['KAFKA_UI_IMAGE_VERSION']}",
    }
    for name, image in want.items():
        assert SERVICES[name]["image"] == image, name
    for name, svc in SERVICES.items():
        image = svc["image"]
        assert re.fullmatch(r"[\w./-]+:[\w.-]+", image) and not image.endswith(":latest"), f"{name}: {image}"
    # The project image: built from the Dockerfile, whose base is pinned too, with pyspark = SPARK_VERSION.
    built = {name for name, svc in SERVICES.items() if "build" in svc}
    assert built == {"producer", "consumer", "dashboard", "spark-worker"}
    for name in built:
        assert (ROOT / SERVICES[name]["build"]["context"] / SERVICES[name]["build"]["dockerfile"]).is_file()
    froms = re.findall(r"^FROM\s+(\S+)", (ROOT / "Dockerfile").read_text(), re.M)
    assert froms == [f"python:{v['PYTHON_IMAGE_VERSION']}"]
    reqs = (ROOT / "requirements.txt").read_text()
    assert re.search(rf"^pyspark=={re.escape(v['SPARK_VERSION'])}$", reqs, re.M)


def test_ports_are_the_local_stacks_and_on_the_loopback_only():
    published = {}
    for name, svc in SERVICES.items():
        for p in svc.get("ports", []):
            host_ip, host_port, container_port = str(p).split(":")
            assert host_ip == "127.0.0.1", f"{name} publishes {p} beyond the loopback"
            published[name] = (int(host_port), int(container_port))
            assert "healthcheck" in svc, f"{name} has no health check"
    assert published["kafka"][0] == int(lib_default("KAFKA_PORT"))
    assert published["cassandra"][0] == int(lib_default("CASSANDRA_PORT"))
    assert published["mongo"][0] == int(lib_default("MONGO_PORT"))
    assert published["spark-master"] == (8080, 8080)
    # The consumer's Spark UI and the dashboard, on the ports they take outside Docker.
    from userprofiles.config.options import consumer_parser, consumer_settings
    from userprofiles.observe.dashboard import parser as dashboard_parser

    assert published["consumer"] == (consumer_settings(consumer_parser().parse_args([])).stream.ui_port,) * 2
    dashboard_port = dashboard_parser().parse_args([]).port
    assert published["dashboard"] == (dashboard_port, dashboard_port)
    assert str(dashboard_port) in " ".join(SERVICES["dashboard"]["command"])
    assert set(published) == {"kafka", "cassandra", "mongo", "spark-master", "kafka-ui", "consumer", "dashboard"}
    hosts = [hp for hp, _ in published.values()]
    assert len(hosts) == len(set(hosts)), "two services publish the same host port"


def test_topics_are_the_local_stacks():
    script = " ".join(SERVICES["kafka-init"]["command"])
    created = {m.group(1): int(m.group(2)) for m in
               re.finditer(r"--topic (\S+) --partitions (\d+) --replication-factor 1", script)}
    assert created == {lib_default("KAFKA_TOPIC"): int(lib_default("KAFKA_PARTITIONS")),
                       lib_default("KAFKA_DLQ_TOPIC"): int(lib_default("KAFKA_DLQ_PARTITIONS"))}
    # ... and the names the producer and the consumer use by default.
    from userprofiles.config.options import consumer_parser, consumer_settings, producer_parser, producer_settings

    assert producer_settings(producer_parser().parse_args([])).kafka.topic in created
    kafka = consumer_settings(consumer_parser().parse_args([])).kafka
    assert {kafka.topic, kafka.dlq_topic} == set(created)
    env = SERVICES["kafka"]["environment"]
    assert str(env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"]) == "false"
    assert int(env["KAFKA_NUM_PARTITIONS"]) == int(lib_default("KAFKA_PARTITIONS"))


def test_kafka_keeps_its_data_on_its_volume_with_the_single_node_settings():
    kafka = SERVICES["kafka"]
    env = kafka["environment"]
    mounts = dict(m.split(":", 1) for m in kafka["volumes"])
    assert env["KAFKA_LOG_DIRS"] == mounts["kafka-data"], "Kafka's log dirs are not on the kafka-data volume"
    assert "kafka-data" in COMPOSE["volumes"]
    # The settings of the apache/kafka image's single-node example (KRaft, combined roles).
    for key in ("KAFKA_NODE_ID", "KAFKA_PROCESS_ROLES", "KAFKA_LISTENERS", "KAFKA_ADVERTISED_LISTENERS",
                "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "KAFKA_INTER_BROKER_LISTENER_NAME",
                "KAFKA_CONTROLLER_LISTENER_NAMES", "KAFKA_CONTROLLER_QUORUM_VOTERS", "CLUSTER_ID",
                "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS",
                "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
                "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR",
                "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "KAFKA_LOG_DIRS"):
        assert key in env, key
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"1@{kafka['hostname']}:9093"


def test_the_schema_is_applied_once_by_an_init_job_and_health_checks_only_check():
    init = SERVICES["cassandra-init"]
    mounts = {}
    for m in init["volumes"]:
        src, dst = m.split(":")[:2]
        mounts[dst] = src
    args = init["entrypoint"]
    schema_in_container = args[args.index("-f") + 1]
    assert mounts[schema_in_container] == "./cassandra_schema.cql"
    assert (ROOT / "cassandra_schema.cql").is_file()
    assert args[1:3] == ["cassandra", "9042"]
    for job, after in (("cassandra-init", "cassandra"), ("kafka-init", "kafka")):
        assert SERVICES[job]["restart"] == "no"
        assert SERVICES[job]["depends_on"][after]["condition"] == "service_healthy"
    for name, svc in SERVICES.items():
        test = " ".join(svc.get("healthcheck", {}).get("test", []))
        assert not re.search(r"\.cql|cqlsh\s.*-f\b|--create", test), f"{name}'s health check changes state: {test}"


def test_profiles_carry_the_whole_system():
    by_profile: dict[str, set[str]] = {}
    for name, svc in SERVICES.items():
        for p in svc.get("profiles", ["(default)"]):
            by_profile.setdefault(p, set()).add(name)
    assert by_profile == {
        "(default)": {"kafka", "kafka-init", "cassandra", "cassandra-init", "mongo"},
        "pipeline": {"producer", "consumer", "dashboard"},
        "spark": {"spark-master", "spark-worker"},
        "ui": {"kafka-ui"},
    }
    # Inside the network the pipeline uses the service names and the containers' ports.
    internal = SERVICES["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    for name in ("producer", "consumer", "dashboard", "spark-worker"):
        env = SERVICES[name].get("environment") or COMPOSE["x-app"]["environment"]
        assert f"//{env['KAFKA_BOOTSTRAP_SERVERS']}" in internal
        assert env["CASSANDRA_HOSTS"] == "cassandra"
        assert env["MONGO_URI"] == "mongodb://mongo:27017/"
    assert SERVICES["kafka-ui"]["environment"]["KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS"] == \
        SERVICES["producer"]["environment"]["KAFKA_BOOTSTRAP_SERVERS"]
    # The consumer's checkpoint is on a named volume (and the worker sees it at the same path).
    consumer = SERVICES["consumer"]
    ckpt = consumer["environment"]["SPARK_CHECKPOINT_DIR"]
    for name in ("consumer", "spark-worker"):
        vol, target = SERVICES[name]["volumes"][0].split(":")
        assert vol in COMPOSE["volumes"] and ckpt.startswith(target + "/"), name
    # Works without the spark profile (optional dependency), is submitted to the master with it.
    assert consumer["depends_on"]["spark-worker"]["required"] is False
    assert "spark://spark-master:7077" in " ".join(SERVICES["spark-worker"]["command"])
    master = SERVICES["spark-master"]["command"]
    assert master[master.index("--port") + 1] == "7077" and master[master.index("--host") + 1] == "spark-master"


@pytest.mark.parametrize("service,program", [("producer", "PRODUCER"), ("consumer", "CONSUMER")])
def test_metrics_are_reachable_from_other_containers(service, program):
    svc = SERVICES[service]
    env = svc["environment"]
    assert env[f"{program}_METRICS_HOST"] == "0.0.0.0"   # not the loopback of its own container
    assert [str(env[f"{program}_METRICS_PORT"])] == [str(p) for p in svc["expose"]]
    # Read by the program's own option table: a renamed variable would silently leave them off.
    from userprofiles.config import options

    names = {o.env for o in (options.PRODUCER_OPTIONS if service == "producer" else options.CONSUMER_OPTIONS)}
    assert {f"{program}_METRICS_HOST", f"{program}_METRICS_PORT"} <= names


def test_the_dashboard_needs_no_checkpoint():
    dash = SERVICES["dashboard"]
    assert "volumes" not in dash, "the dashboard reads the stores only"
    assert dash["command"][:3] == ["python", "-m", "userprofiles.observe.dashboard"]
    assert dash["command"][dash["command"].index("--host") + 1] == "0.0.0.0"


def fake_spark_submit(tmp_path: Path) -> dict:
    import os

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "spark-submit").write_text('#!/bin/sh\necho "ARGS $*"\n')
    (bin_dir / "spark-submit").chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}


@pytest.mark.parametrize("master_env,expected", [("", "local[2]"), ("spark://elsewhere:7077", "spark://elsewhere:7077")])
def test_the_consumer_entrypoint_chooses_the_master(tmp_path, master_env, expected):
    # Here "spark-master" does not resolve (no spark profile): local[2]; SPARK_MASTER always wins.
    env = {**fake_spark_submit(tmp_path), "SPARK_MASTER": master_env}
    out = subprocess.run(["bash", str(ROOT / "docker" / "consumer.sh")], env=env, capture_output=True, text=True,
                         timeout=30, check=True).stdout
    args = shlex.split(out.splitlines()[-1])[1:]
    assert args[:2] == ["--master", expected]
    assert args[args.index("consumer_spark.py") + 1:] == ["--master", expected]
    assert any(a.startswith("spark.driver.host=") for a in args)


def test_readme_lists_the_root_prerequisites_as_one_command_and_the_docker_section():
    readme = (ROOT / "README.md").read_text()
    pkgs = re.search(r'^ROOT_PACKAGES="([^"]+)"', (ROOT / "stack" / "fresh-check.sh").read_text(), re.M).group(1)
    assert f"apt-get install -y {pkgs}" in readme
    section = readme.split("### With Docker", 1)[1].split("\n## ", 1)[0]
    assert "docker compose --profile pipeline --profile spark --profile ui up" in section
    for addr in ("127.0.0.1:8080", "127.0.0.1:8081", "127.0.0.1:9092", "127.0.0.1:9042", "127.0.0.1:27017"):
        assert addr in section, addr
