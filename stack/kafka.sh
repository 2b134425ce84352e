#!/usr/bin/env bash
# Local Apache Kafka: one KRaft node (broker + controller) on 127.0.0.1, from Maven Central jars, no Docker.
# Usage: stack/kafka.sh install|start|stop|status
# Env: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_HEAP (512m),
#      KAFKA_TOPIC (users_profiles), KAFKA_PARTITIONS (6), KAFKA_DLQ_TOPIC (users_profiles_dlq), KAFKA_DLQ_PARTITIONS (1).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KAFKA_TOPIC="${KAFKA_TOPIC:-users_profiles}"
KAFKA_PARTITIONS="${KAFKA_PARTITIONS:-6}"
KAFKA_DLQ_TOPIC="${KAFKA_DLQ_TOPIC:-users_profiles_dlq}"
KAFKA_DLQ_PARTITIONS="${KAFKA_DLQ_PARTITIONS:-1}"

CACHE="$STACK_CACHE/kafka-$KAFKA_VERSION"
HOME_DIR="$DATA_DIR/kafka"
CONF="$HOME_DIR/server.properties"
LOG4J="$HOME_DIR/log4j2.properties"
ADDR="127.0.0.1:$KAFKA_PORT"

install() {
  maven_fetch "$STACK_DIR/maven/kafka.xml" "$CACHE" -Dkafka.version="$KAFKA_VERSION" -Dkafka.scala="$KAFKA_SCALA"
}

probe() { env KAFKA_PORT="$KAFKA_PORT" KAFKA_VERSION="$KAFKA_VERSION" "$PY" "$STACK_DIR/ready.py" kafka; }

line() { printf '%-10s %-16s %-8s ready in %ss\n' kafka "$ADDR" "$KAFKA_VERSION" "$1"; }

write_config() {
  mkdir -p "$HOME_DIR/logs"
  # Rewritten on every start so edits here take effect; the data in logs/ is independent of it.
  # Static voters (not --standalone's dynamic quorum): the controller port is then only config,
  # so changing KAFKA_CONTROLLER_PORT later does not strand a formatted node.
  # auto.create.topics.enable=false: a misspelt topic fails loudly instead of silently existing.
  cat >"$CONF" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$HOME_DIR/logs
num.partitions=6
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=6
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
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

# Format once: meta.properties marks a formatted log dir, so topics and offsets survive restarts.
format_once() {
  [ -f "$HOME_DIR/logs/meta.properties" ] && return 0
  local id
  id=$(java_tool kafka.tools.StorageTool random-uuid 2>>"$LOG_DIR/kafka.log") \
    || die "generating a Kafka cluster id failed (see $LOG_DIR/kafka.log); remove $CACHE and run '$0 install' again."
  log "formatting Kafka storage in $HOME_DIR/logs (cluster id $id)"
  java_tool kafka.tools.StorageTool format -t "$id" -c "$CONF" >>"$LOG_DIR/kafka.log" 2>&1 \
    || { tail -n 15 "$LOG_DIR/kafka.log" >&2; die "formatting Kafka storage failed (log above); remove $HOME_DIR and start again."; }
}

create_topics() {
  "$PY" "$STACK_DIR/kafka_topics.py" "$ADDR" "$KAFKA_TOPIC:$KAFKA_PARTITIONS" "$KAFKA_DLQ_TOPIC:$KAFKA_DLQ_PARTITIONS" \
    || die "creating the Kafka topics failed (message above); Kafka is still running, see $LOG_DIR/kafka.log."
}

start() {
  local t0=$SECONDS secs
  "$PY" -c 'import confluent_kafka' 2>/dev/null \
    || die "the Python venv $VENV has no confluent-kafka (needed to probe Kafka and create topics); install requirements.txt into it and retry."
  if is_running kafka; then
    # Already ours: answer fast when it is up, or wait for a start that is still in progress.
    if probe >/dev/null 2>&1; then create_topics; line 0; return 0; fi
    secs=$(wait_ready kafka 90 probe)
    create_topics; line "$secs"; return 0
  fi
  rm -f "$(pidfile kafka)"
  if answers kafka; then
    # A broker already answers on this address (docker compose, or the stack of another checkout): use it.
    create_topics
    external_line kafka "$ADDR" -
    return 0
  fi
  need_java17
  need_free_port kafka "$KAFKA_PORT"
  need_free_port "kafka controller" "$KAFKA_CONTROLLER_PORT"
  install
  write_config
  format_once
  # G1 settings as in Kafka's own kafka-run-class.sh; fixed heap so RSS stays predictable.
  spawn kafka java -Xms"$KAFKA_HEAP" -Xmx"$KAFKA_HEAP" \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$LOG4J" \
    -cp "$CACHE/*" kafka.Kafka "$CONF"
  wait_ready kafka 90 probe >/dev/null
  create_topics
  secs=$(( SECONDS - t0 ))
  line "$secs"
}

stop() {
  is_running kafka || { rm -f "$(pidfile kafka)"; return 0; }
  # TERM triggers Kafka's controlled shutdown (flushes logs, closes cleanly), usually a few seconds.
  stop_pid kafka 30
  log "kafka stopped"
}

status() {
  if is_running kafka; then
    local pid; pid=$(cat "$(pidfile kafka)")
    if probe >/dev/null 2>&1; then
      printf '%-10s %-16s %-8s up (pid %s)\n' kafka "$ADDR" "$KAFKA_VERSION" "$pid"
    else
      printf '%-10s %-16s %-8s up (pid %s), not answering yet\n' kafka "$ADDR" "$KAFKA_VERSION" "$pid"
    fi
  elif answers kafka; then
    printf '%-10s %-16s %-8s answering, not started here\n' kafka "$ADDR" -
  else
    printf '%-10s %-16s %-8s down\n' kafka "$ADDR" "$KAFKA_VERSION"
  fi
}

case "${1:-}" in
  install|start|stop|status) "$1" ;;
  *) die "usage: $0 install|start|stop|status" ;;
esac
