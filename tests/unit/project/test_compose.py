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

from userprofiles.config.addresses import default_names, default_ports

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def versions() -> dict[str, str]:
    return dict(re.findall(r"^([A-Z_0-9]+)=(\S+)$", (ROOT / "stack" / "versions.env").read_text(), re.M))


def lib_default(name: str) -> str:
    """A default of the stack: a port of stack/ports.env (e.g. KAFKA_PORT -> 9092), a name of stack/names.env
    (e.g. KAFKA_PARTITIONS), or one of stack/lib.sh or stack/kafka.sh."""
    if name in default_ports():
        return str(default_ports()[name])
    if name in default_names():
        return default_names()[name]
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
        "cassandra": f"cassandra:{v['CASSANDRA_VERSION']}",
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
    assert built == {"producer", "consumer", "dashboard", "spark-worker", "access-init"}
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


def test_topics_users_and_rights_are_made_by_the_local_stack_s_code():
    """access-init runs what make up runs (userprofiles/access/provision.py): the same topics and partitions,
    the raw topic's retention, then Cassandra's roles and schema, then MongoDB's users."""
    script = SERVICES["access-init"]["command"][-1]
    assert "python -m userprofiles.access.provision kafka kafka:29092 1 1 &&" in script
    # Its names: stack/names.env's, in the image (the Dockerfile copies stack/), as make up's.
    assert "COPY stack/ stack/" in (ROOT / "Dockerfile").read_text()
    created = {lib_default("KAFKA_TOPIC"): lib_default("KAFKA_PARTITIONS"),
               lib_default("KAFKA_DLQ_TOPIC"): lib_default("KAFKA_DLQ_PARTITIONS")}
    assert "provision cassandra &&" in script and script.rstrip().endswith("provision mongo")
    # ... and the names the producer and the consumer use by default.
    from userprofiles.config.options import consumer_parser, consumer_settings, producer_parser, producer_settings

    assert producer_settings(producer_parser().parse_args([])).kafka.topic in created
    k = consumer_settings(consumer_parser().parse_args([])).kafka
    assert {k.topic, k.dlq_topic} == set(created)
    init = SERVICES["access-init"]
    assert init["restart"] == "no" and init["environment"]["STACK_SECRETS_DIR"] == "/secrets"
    assert "./.stack/secrets:/secrets:ro" in init["volumes"]
    for after in ("kafka", "cassandra", "mongo"):
        assert init["depends_on"][after]["condition"] == "service_healthy"
    for name, svc in SERVICES.items():
        test = " ".join(svc.get("healthcheck", {}).get("test", []))
        assert not re.search(r"\.cql|cqlsh\s.*-f\b|--create|provision", test), f"{name}'s health check changes state"


def test_every_service_gets_its_role_s_file_and_no_password_of_its_own():
    from userprofiles.access import roles

    want = {"kafka": "admin", "mongo": "admin", "access-init": "admin", "producer": "producer",
            "consumer": "consumer", "dashboard": "dashboard", "kafka-ui": "kafka-ui"}
    for name, svc in SERVICES.items():
        files = svc.get("env_file", [])
        assert files == ([f".stack/secrets/{want[name]}.env"] if name in want else []), name
        assert want.get(name, "admin") in roles.ROLES
        env = " ".join(f"{k}={v}" for k, v in (svc.get("environment") or {}).items())
        assert not re.search(r"(?i)password=\"?[^$\"]", env), f"{name} has a password of its own: {env}"
    assert SERVICES["kafka-ui"]["environment"]["KAFKA_CLUSTERS_0_READONLY"] == "true"
    # Checked on a node of the local stack's Cassandra 5.0.6: without allow_system_properties the others are
    # ignored; with it, a client without a login is refused.
    opts = SERVICES["cassandra"]["environment"]["JVM_EXTRA_OPTS"].split()
    assert {"-Dcassandra.config.allow_system_properties=true",
            "-Dcassandra.settings.authenticator.class_name=PasswordAuthenticator",
            "-Dcassandra.settings.authorizer=CassandraAuthorizer"} <= set(opts)


def _render_compose_kafka(tmp_path: Path) -> dict:
    """docker/kafka.sh run with stand-ins of the image's Kafka scripts: the server.properties it writes."""
    import os

    home = tmp_path / "kafka"
    (home / "bin").mkdir(parents=True)
    for script in ("kafka-storage.sh", "kafka-server-start.sh"):
        (home / "bin" / script).write_text("#!/bin/sh\nexit 0\n")
        (home / "bin" / script).chmod(0o755)
    env = {**os.environ, "KAFKA_HOME": str(home), "KAFKA_LOG_DIRS": str(tmp_path / "data"),
           "KAFKA_CONF_DIR": str(tmp_path), "KAFKA_SASL_PASSWORD": "pw", "CLUSTER_ID": "x"}
    subprocess.run(["bash", str(ROOT / "docker" / "kafka.sh")], env=env, check=True, timeout=30)
    conf = {}
    for line in (tmp_path / "server.properties").read_text().splitlines():
        k, _, v = line.partition("=")
        conf[k] = v
    return conf


def test_compose_s_kafka_is_secured_as_the_local_stack_s(tmp_path):
    kafka = SERVICES["kafka"]
    mounts = {m.split(":")[1]: m.split(":")[0] for m in kafka["volumes"]}
    conf = _render_compose_kafka(tmp_path)
    assert mounts["/var/lib/kafka/data"] == "kafka-data" and "kafka-data" in COMPOSE["volumes"]
    assert conf["log.dirs"] == str(tmp_path / "data")
    assert conf["controller.quorum.voters"] == f"1@{kafka['hostname']}:9093"
    assert conf["listener.security.protocol.map"] == \
        "HOST:SASL_PLAINTEXT,INTERNAL:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT"
    assert "pw" not in (tmp_path / "server.properties").read_text()   # read from the environment at start
    # The same security settings as the local stack's node.
    import os

    local = subprocess.run(["bash", str(ROOT / "stack" / "kafka.sh"), "render"], capture_output=True, text=True,
                           check=True, env={**os.environ, "STACK_HOME": str(tmp_path / "stack")}).stdout
    local_conf = dict(line.partition("=")[::2] for line in local.splitlines() if "=" in line)
    for key in ("authorizer.class.name", "allow.everyone.if.no.acl.found", "super.users",
                "sasl.mechanism.inter.broker.protocol", "sasl.mechanism.controller.protocol",
                "listener.name.controller.sasl.enabled.mechanisms", "auto.create.topics.enable", "num.partitions"):
        assert conf[key] == local_conf[key], key
    for listener in ("host", "internal"):
        key = f"listener.name.{listener}.sasl.enabled.mechanisms"
        assert conf[key] == local_conf["listener.name.client.sasl.enabled.mechanisms"], key
    assert int(conf["num.partitions"]) == int(lib_default("KAFKA_PARTITIONS"))


def test_profiles_carry_the_whole_system():
    by_profile: dict[str, set[str]] = {}
    for name, svc in SERVICES.items():
        for p in svc.get("profiles", ["(default)"]):
            by_profile.setdefault(p, set()).add(name)
    assert by_profile == {
        "(default)": {"kafka", "cassandra", "mongo", "access-init"},
        "pipeline": {"producer", "consumer", "dashboard"},
        "spark": {"spark-master", "spark-worker"},
        "ui": {"kafka-ui"},
    }
    # Inside the network the pipeline uses the service names and the containers' ports.
    internal = "INTERNAL://kafka:29092"   # docker/kafka.sh's advertised listener for the containers
    assert internal in (ROOT / "docker" / "kafka.sh").read_text()
    for name in ("producer", "consumer", "dashboard", "spark-worker", "access-init"):
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
