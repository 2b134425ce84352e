#!/usr/bin/env bash
# Kafka in docker compose, secured as the local stack's (stack/kafka.sh): SASL/SCRAM-SHA-512 on the listeners of
# the clients (HOST: 127.0.0.1:9092 from the host; INTERNAL: kafka:29092 in the network, also the broker's own),
# SASL/PLAIN on the controller's, StandardAuthorizer with no access without an ACL. Its environment is the
# admin's role file (env_file .stack/secrets/admin.env); the other users and the ACLs are made by the access-init
# job (userprofiles/access/provision.py). No password is written into a file of Kafka's or on a command line:
# Kafka reads the admin's from its environment (${env:...}), the format's from a 0600 argument file.
set -euo pipefail
: "${KAFKA_SASL_PASSWORD:?set by env_file .stack/secrets/admin.env (make secrets writes it)}"
: "${CLUSTER_ID:?a fixed cluster id: the storage on the volume matches it at every start}"
home=${KAFKA_HOME:-/opt/kafka}             # the image's Kafka
data=${KAFKA_LOG_DIRS:-/var/lib/kafka/data}   # on the kafka-data volume
run=${KAFKA_CONF_DIR:-/tmp}
conf=$run/server.properties
scram='org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${env:KAFKA_SASL_PASSWORD}";'
plain='org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="${env:KAFKA_SASL_PASSWORD}" user_admin="${env:KAFKA_SASL_PASSWORD}";'
cat >"$conf" <<CONF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@kafka:9093
listeners=HOST://:9092,INTERNAL://:29092,CONTROLLER://:9093
advertised.listeners=HOST://127.0.0.1:9092,INTERNAL://kafka:29092
listener.security.protocol.map=HOST:SASL_PLAINTEXT,INTERNAL:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=INTERNAL
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
sasl.mechanism.controller.protocol=PLAIN
config.providers=env
config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider
listener.name.host.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.host.scram-sha-512.sasl.jaas.config=$scram
listener.name.internal.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.internal.scram-sha-512.sasl.jaas.config=$scram
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=$plain
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin
log.dirs=$data
num.partitions=6
auto.create.topics.enable=false
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
CONF
# The health check's client settings: the admin, its password from the environment too.
cat >"$run/admin.properties" <<CONF
config.providers=env
config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=$scram
CONF
if [ ! -f "$data/meta.properties" ]; then
  args=$(mktemp)
  chmod 600 "$args"
  printf -- '--add-scram\nSCRAM-SHA-512=[name=admin,password=%s]\n' "$KAFKA_SASL_PASSWORD" >"$args"
  "$home/bin/kafka-storage.sh" format -t "$CLUSTER_ID" -c "$conf" "@$args"
  rm -f "$args"
fi
exec "$home/bin/kafka-server-start.sh" "$conf"
