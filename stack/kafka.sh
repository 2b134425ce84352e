#!/usr/bin/env bash
# Local Apache Kafka: one KRaft node (broker + controller) on 127.0.0.1, from Maven Central jars, no Docker.
# Usage: stack/kafka.sh install|start|stop|status
# NODE=i with NODES=N (stack/cluster.sh sets them): node i of an N-node cluster, each broker and controller,
# broker on $(kafka_port_of i), controller on $(kafka_controller_port_of i), data in .stack/data/kafka-i.
# Env: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_HEAP (512m),
#      KAFKA_TOPIC (users_profiles), KAFKA_PARTITIONS (6), KAFKA_DLQ_TOPIC (users_profiles_dlq), KAFKA_DLQ_PARTITIONS (1).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The POM's hash in the folder's name: a jar added to stack/maven/kafka.xml is fetched on the next install.
CACHE="$STACK_CACHE/kafka-$KAFKA_VERSION-$(sha1sum "$STACK_DIR/maven/kafka.xml" | cut -c1-8)"
NODE="${NODE:-}"
SVC=kafka
HOME_DIR="$DATA_DIR/kafka"
NODE_ID=1
RF=1; MIN_ISR=1
VOTERS="1@127.0.0.1:$KAFKA_CONTROLLER_PORT"
if [ -n "$NODE" ]; then
  # Node NODE of the cluster: its own ports, folder, PID and log; every node a voter of the quorum.
  SVC="kafka-$NODE"; HOME_DIR="$DATA_DIR/kafka-$NODE"; NODE_ID=$NODE
  RF=$CLUSTER_RF; MIN_ISR=$CLUSTER_MIN_ISR; ((RF <= NODES)) || RF=$NODES; ((MIN_ISR < RF)) || MIN_ISR=$((RF > 1 ? RF - 1 : 1))
  KAFKA_PORT=$(kafka_port_of "$NODE"); KAFKA_CONTROLLER_PORT=$(kafka_controller_port_of "$NODE")
  VOTERS=""
  for ((i = 1; i <= NODES; i++)); do VOTERS+="${VOTERS:+,}$i@127.0.0.1:$(kafka_controller_port_of "$i")"; done
fi
export KAFKA_PORT
CONF="$HOME_DIR/server.properties"
LOG4J="$HOME_DIR/log4j2.properties"
ADDR="127.0.0.1:$KAFKA_PORT"

install() {
  maven_fetch "$STACK_DIR/maven/kafka.xml" "$CACHE" -Dkafka.version="$KAFKA_VERSION" -Dkafka.scala="$KAFKA_SCALA"
}

# KAFKA_PORT is exported above (this node's); ready.py reports KAFKA_VERSION as the broker's version.
probe() { KAFKA_VERSION="$KAFKA_VERSION" probe_service kafka; }

line() { status_line "$SVC" "$ADDR" "$KAFKA_VERSION" "$1"; }

write_config() {
  mkdir -p "$HOME_DIR/logs"
  # Rewritten on every start so edits here take effect; the data in logs/ is independent of it.
  # Static voters (not --standalone's dynamic quorum): the controller port is then only config,
  # so changing KAFKA_CONTROLLER_PORT later does not strand a formatted node.
  # auto.create.topics.enable=false: a misspelt topic fails loudly instead of silently existing.
  # Every client authenticates: SCRAM-SHA-512 on the client listener (also the brokers' own, as the admin),
  # PLAIN on the controllers' (its one user is the admin, from its JAAS line), and may do only what its ACLs
  # allow (userprofiles/access/roles.py). The admin's password is read from its role file by Kafka's file
  # config provider: it is in no file of Kafka's own and on no command line.
  local secret="\${file:$SECRETS_DIR/admin.env:KAFKA_SASL_PASSWORD}"
  cat >"$CONF" <<EOF
process.roles=broker,controller
node.id=$NODE_ID
controller.quorum.voters=$VOTERS
listeners=CLIENT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=CLIENT://127.0.0.1:$KAFKA_PORT
listener.security.protocol.map=CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=CLIENT
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
sasl.mechanism.controller.protocol=PLAIN
config.providers=file
config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider
listener.name.client.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$secret";
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$secret" user_admin="$secret";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin
log.dirs=$HOME_DIR/logs
num.partitions=6
default.replication.factor=$RF
min.insync.replicas=$MIN_ISR
auto.create.topics.enable=false
offsets.topic.replication.factor=$RF
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=$RF
transaction.state.log.min.isr=$MIN_ISR
transaction.state.log.num.partitions=6
share.coordinator.state.topic.replication.factor=$RF
share.coordinator.state.topic.min.isr=$MIN_ISR
group.initial.rebalance.delay.ms=0
EOF
  # Everything to stderr, which spawn() appends to $LOG_DIR/kafka.log; stdout stays clean for StorageTool.
  cat >"$LOG4J" <<'EOF'
status = warn
# Keep logging alive until Kafka's own shutdown hook has finished its controlled shutdown.
shutdownHook = disable
appender.err.type = Console
appender.err.name = ERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.err.ref = ERR
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.clients.name = org.apache.kafka.clients
logger.clients.level = WARN
# The full config dump (~1300 lines, 4 times per start); server.properties is next to this file.
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
EOF
}

java_tool() { java -Xmx256m -Djava.awt.headless=true -Dlog4j2.configurationFile="$LOG4J" -cp "$CACHE/*" "$@"; }

new_id() {
  local out
  out=$(java_tool kafka.tools.StorageTool random-uuid 2>>"$LOG_DIR/$SVC.log") \
    || die "generating a Kafka cluster id failed (see $LOG_DIR/$SVC.log); remove $CACHE and run '$0 install' again."
  echo "${out##*$'\n'}"  # the id is the last line
}

# The cluster's id, made once in .stack/data/kafka-cluster.id (stack/cluster.sh asks for it before it starts
# the nodes in parallel, so that they do not each make one).
cluster_id() {
  local idfile="$DATA_DIR/kafka-cluster.id"
  [ -s "$idfile" ] || { new_id >"$idfile.tmp" && mv "$idfile.tmp" "$idfile"; }
  cat "$idfile"
}

# Format once: meta.properties marks a formatted log dir, so topics and offsets survive restarts.
format_once() {
  [ -f "$HOME_DIR/logs/meta.properties" ] && return 0
  local id
  if [ -n "$NODE" ]; then
    id=$(cluster_id)  # every node of a cluster is formatted with the same cluster id
  else
    id=$(new_id)
  fi
  log "formatting Kafka storage in $HOME_DIR/logs (cluster id $id), with the roles' SCRAM users"
  # The users' --add-scram arguments come from a 0600 file (@FILE): no password on the command line.
  local args="$SECRETS_DIR/kafka-format-$SVC.args" rc=0
  provision kafka-format-args "$args" || die "writing Kafka's users for its format failed (message above)."
  java_tool kafka.tools.StorageTool format -t "$id" -c "$CONF" "@$args" >>"$LOG_DIR/$SVC.log" 2>&1 || rc=$?
  rm -f "$args"
  ((rc == 0)) || { tail -n 15 "$LOG_DIR/$SVC.log" >&2; die "formatting Kafka storage failed (log above); remove $HOME_DIR and start again."; }
}

create_topics() {
  # A cluster node does not: a topic of RF 3 needs every broker registered (stack/cluster.sh creates them).
  [ -z "$NODE" ] || return 0
  create_pipeline_topics "$ADDR" "$RF" "$MIN_ISR" \
    || die "creating the Kafka topics failed (message above); Kafka is still running, see $LOG_DIR/$SVC.log."
}

start() {
  local t0=$SECONDS secs
  "$PY" -c 'import confluent_kafka' 2>/dev/null \
    || die "the Python venv $VENV has no confluent-kafka (needed to probe Kafka and create topics); install requirements.txt into it and retry."
  if is_running "$SVC"; then
    # Already ours: answer fast when it is up, or wait for a start that is still in progress.
    if probe >/dev/null 2>&1; then create_topics; line "ready in 0s"; return 0; fi
    secs=$(wait_ready "$SVC" 90 probe)
    create_topics; line "ready in ${secs}s"; return 0
  fi
  rm -f "$(pidfile "$SVC")"
  if answers kafka; then
    # A broker already answers on this address (docker compose, or the stack of another checkout): use it.
    create_topics
    external_line kafka "$ADDR" -
    return 0
  fi
  need_java17
  need_free_port "$SVC" "$KAFKA_PORT"
  need_free_port "$SVC controller" "$KAFKA_CONTROLLER_PORT"
  make_secrets || exit 1   # a service started alone (stack/<svc>.sh start) gets them too
  install
  write_config
  format_once
  # G1 settings as in Kafka's own kafka-run-class.sh; fixed heap so RSS stays predictable.
  spawn "$SVC" java -Xms"$KAFKA_HEAP" -Xmx"$KAFKA_HEAP" \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$LOG4J" \
    -cp "$CACHE/*" kafka.Kafka "$CONF"
  wait_ready "$SVC" 90 probe >/dev/null
  create_topics
  secs=$(( SECONDS - t0 ))
  line "ready in ${secs}s"
}

stop() {
  is_running "$SVC" || { rm -f "$(pidfile "$SVC")"; return 0; }
  # TERM triggers Kafka's controlled shutdown (flushes logs, closes cleanly), usually a few seconds.
  stop_pid "$SVC" 30
  log "$SVC stopped"
}

status() {
  if is_running "$SVC"; then
    local pid; pid=$(cat "$(pidfile "$SVC")")
    if probe >/dev/null 2>&1; then line "up (pid $pid)"; else line "up (pid $pid), not answering yet"; fi
  elif answers kafka; then
    status_line "$SVC" "$ADDR" - "answering, not started here"
  else
    line down
  fi
}

case "${1:-}" in
  install|start|stop|status) "$1" ;;
  render) write_config; cat "$CONF" ;;
  cluster-id) install; write_config; cluster_id ;;  # the node's server.properties (tests/unit/project/test_cluster_config.py)
  # Kafka's own kafka-consumer-groups.sh, e.g. consumer-groups --describe --group users_profiles (make consumer-groups).
  consumer-groups)
    shift; install
    # As the dashboard (read-only): its user and password reach the tool through the file config provider.
    tool_conf="$SECRETS_DIR/kafka-tools.properties"
    cat >"$tool_conf" <<EOF
config.providers=file
config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="\${file:$SECRETS_DIR/dashboard.env:KAFKA_SASL_USERNAME}" password="\${file:$SECRETS_DIR/dashboard.env:KAFKA_SASL_PASSWORD}";
EOF
    LOG4J="$STACK_DIR/kafka-tools-log4j2.properties" java_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
      --bootstrap-server "$ADDR" --command-config "$tool_conf" "$@" ;;
  *) die "usage: $0 install|start|stop|status|consumer-groups ARGS" ;;
esac
