"""The replicated stack's scripts: the addresses stack/lib.sh gives the nodes, and the configs that
stack/kafka.sh and stack/cassandra.sh render for a cluster node (NODES=1 must render today's). The consumer's
replication and consistency choices are tested with their modules (sinks/test_cassandra_schema.py,
config/test_options.py)."""
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _lib(script: str, nodes: int, stack_home: Path, **env) -> str:
    """Run SCRIPT (bash, after sourcing stack/lib.sh) and return its stdout."""
    e = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "CASSANDRA_", "NODE"))}
    e.update({"NODES": str(nodes), "STACK_HOME": str(stack_home), **env})
    return subprocess.run(["bash", "-c", f'source "{ROOT}/stack/lib.sh"; {script}'], env=e, check=True,
                          capture_output=True, text=True).stdout


def test_cluster_addresses_default(tmp_path):
    out = _lib('kafka_bootstrap; cassandra_hosts; for i in 1 2 3; do kafka_controller_port_of $i; '
               'cassandra_jmx_port_of $i; done; echo $CASSANDRA_HEAP $KAFKA_HEAP', 3, tmp_path).split()
    assert out[0] == "127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094"
    assert out[1] == "127.0.0.1,127.0.0.2,127.0.0.3"
    assert out[2:8] == ["9095", "7199", "9096", "7200", "9097", "7201"]
    assert out[8:] == ["768M", "384m"]


def test_cluster_addresses_offset(tmp_path):
    out = _lib("kafka_bootstrap; cassandra_hosts; kafka_controller_port_of 3", 3, tmp_path,
               KAFKA_PORT="19092", KAFKA_CLUSTER_CONTROLLER_PORT="19195", CASSANDRA_CLUSTER_FIRST="11").split()
    assert out == ["127.0.0.1:19092,127.0.0.1:19093,127.0.0.1:19094", "127.0.0.11,127.0.0.12,127.0.0.13", "19197"]


def test_single_node_unchanged(tmp_path):
    assert _lib("kafka_bootstrap; cassandra_hosts; echo $CASSANDRA_HEAP $KAFKA_HEAP", 1, tmp_path).split() == \
        ["127.0.0.1:9092", "127.0.0.1", "1G", "512m"]


def test_cassandra_yaml_template():
    text = (ROOT / "stack" / "cassandra.yaml").read_text()
    for mark in ("@ADDRESS@", "@SEEDS@", "@ALLOC_RF@", "@STORAGE_PORT@", "@NATIVE_PORT@"):
        assert mark in text
    assert "listen_address: @ADDRESS@" in text and "rpc_address: @ADDRESS@" in text


def _render(script: str, tmp_path: Path, **env) -> dict:
    out = _lib(f'bash "{ROOT}/stack/{script}" render', int(env.pop("NODES", 1)), tmp_path, **env)
    conf = {}
    for line in out.splitlines():
        if line and not line.startswith("#"):
            k, sep, v = line.partition(":" if script == "cassandra.sh" else "=")
            conf[k.strip()] = v.strip()
    return conf


def test_kafka_single_node_config(tmp_path):
    c = _render("kafka.sh", tmp_path)
    assert c["node.id"] == "1" and c["controller.quorum.voters"] == "1@127.0.0.1:9093"
    assert c["listeners"] == "CLIENT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093"
    assert c["default.replication.factor"] == c["min.insync.replicas"] == c["offsets.topic.replication.factor"] == "1"
    assert c["log.dirs"] == f"{tmp_path}/data/kafka/logs"


def test_kafka_cluster_node_config(tmp_path):
    c = _render("kafka.sh", tmp_path, NODES=3, NODE="2")
    assert c["node.id"] == "2"
    assert c["controller.quorum.voters"] == "1@127.0.0.1:9095,2@127.0.0.1:9096,3@127.0.0.1:9097"
    assert c["listeners"] == "CLIENT://127.0.0.1:9093,CONTROLLER://127.0.0.1:9096"
    assert c["advertised.listeners"] == "CLIENT://127.0.0.1:9093"
    assert c["default.replication.factor"] == c["offsets.topic.replication.factor"] == "3"
    assert c["min.insync.replicas"] == c["transaction.state.log.min.isr"] == "2"
    assert c["log.dirs"] == f"{tmp_path}/data/kafka-2/logs"


def test_kafka_authenticates_every_listener_and_authorizes_by_acl(tmp_path):
    """SASL on both listeners (SCRAM for clients and brokers, PLAIN for the controllers), never PLAINTEXT; no
    ACL means no access; the admin's password is read from its role file, not written into the config."""
    for env in ({}, {"NODES": 3, "NODE": "2"}):
        c = _render("kafka.sh", tmp_path, **env)
        assert c["listener.security.protocol.map"] == "CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT"
        assert c["inter.broker.listener.name"] == "CLIENT" and c["sasl.mechanism.controller.protocol"] == "PLAIN"
        assert c["listener.name.client.sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
        assert c["authorizer.class.name"] == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
        assert c["allow.everyone.if.no.acl.found"] == "false" and c["super.users"] == "User:admin"
        secret = f'"${{file:{tmp_path}/secrets/admin.env:KAFKA_SASL_PASSWORD}}"'
        assert f'password={secret}' in c["listener.name.client.scram-sha-512.sasl.jaas.config"]
        assert f'user_admin={secret}' in c["listener.name.controller.plain.sasl.jaas.config"]


def test_cassandra_single_node_config(tmp_path):
    c = _render("cassandra.sh", tmp_path)
    assert c["listen_address"] == c["rpc_address"] == "127.0.0.1"
    assert c["- seeds"] == '"127.0.0.1:7000"'
    assert c["allocate_tokens_for_local_replication_factor"] == "1"
    assert c["endpoint_snitch"] == "SimpleSnitch"


def test_cassandra_cluster_node_config(tmp_path):
    c = _render("cassandra.sh", tmp_path, NODES=3, NODE="3", CASSANDRA_CLUSTER_FIRST="11",
                CASSANDRA_STORAGE_PORT="17000", CASSANDRA_PORT="19042")
    assert c["listen_address"] == c["rpc_address"] == "127.0.0.13"
    assert c["- seeds"] == '"127.0.0.11:17000"'
    assert c["storage_port"] == "17000" and c["native_transport_port"] == "19042"
    assert c["allocate_tokens_for_local_replication_factor"] == "3"
    assert c["data_file_directories"] == "" and f"{tmp_path}/data/cassandra-3/commitlog" == c["commitlog_directory"]
