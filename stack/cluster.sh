#!/usr/bin/env bash
# The replicated stack on this one machine: `make up|down|status|clean NODES=3` (stack.sh hands NODES>1 here).
#   Kafka: NODES KRaft nodes, each broker + controller (a quorum of NODES voters), brokers on
#          127.0.0.1:KAFKA_PORT.. (9092-9094), controllers on KAFKA_CLUSTER_CONTROLLER_PORT.. (9095-9097);
#          topics with replication factor CLUSTER_RF (3) and min.insync.replicas CLUSTER_MIN_ISR (2).
#   Cassandra: NODES nodes on 127.0.0.1, 127.0.0.2, 127.0.0.3 (CASSANDRA_CLUSTER_NET/_FIRST), CQL port 9042 and
#          storage port 7000 on each address, JMX 7199-7201; seed node 1; keyspace NetworkTopologyStrategy
#          {CASSANDRA_DC: CLUSTER_RF}. Node 1 first, then one node at a time (Cassandra bootstraps one at a time).
#   FerretDB: one, as in the single-node stack (the analytics store is not part of this replication).
# Each node is stack/kafka.sh or stack/cassandra.sh with NODE=i: the same configuration code as NODES=1.
# Usage: stack/cluster.sh up|down|status|clean|env|nodetool I ARGS...
source "$(dirname "$0")/lib.sh"

((NODES >= 2)) || die "stack/cluster.sh is the NODES>=2 stack; NODES=$NODES (make up without NODES is the single node)."
RF=$CLUSTER_RF; ((RF <= NODES)) || RF=$NODES
MIN_ISR=$CLUSTER_MIN_ISR; ((MIN_ISR < RF)) || MIN_ISR=$((RF > 1 ? RF - 1 : 1))
REPLICATION="{'class': 'NetworkTopologyStrategy', '$CASSANDRA_DC': $RF}"

nodes() { seq 1 "$NODES"; }
kafka_node() { NODE=$1 bash "$STACK_DIR/kafka.sh" "${@:2}"; }
cassandra_node() { NODE=$1 CASSANDRA_REPLICATION="$REPLICATION" bash "$STACK_DIR/cassandra.sh" "${@:2}"; }

# What the clients (producer, consumer, tests, make status) are given: `eval "$(stack/cluster.sh env)"`.
client_env() {
  echo "export NODES=$NODES KAFKA_BOOTSTRAP_SERVERS=$(kafka_bootstrap) CASSANDRA_HOSTS=$(cassandra_hosts)" \
       "CASSANDRA_PORT=$CASSANDRA_PORT MONGO_PORT=$MONGO_PORT CASSANDRA_REPLICATION_FACTOR=$RF"
}

rss_mb() { awk '/VmRSS/ {printf "%d", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo 0; }

up() {
  local t0=$SECONDS
  need_java17
  for i in $(nodes); do need_bindable "$(cassandra_address_of "$i")"; done
  bash "$STACK_DIR/python.sh" install
  make_secrets || exit 1
  bash "$STACK_DIR/kafka.sh" install
  bash "$STACK_DIR/cassandra.sh" install
  bash "$STACK_DIR/ferretdb.sh" install
  local installed=$((SECONDS - t0))
  # Kafka's nodes together (a broker answers once the controller quorum has a majority), FerretDB beside
  # them, and Cassandra's nodes one after another (a node joins, i.e. bootstraps, only when none else is).
  kafka_node 1 cluster-id >/dev/null
  local -A pids=()
  for i in $(nodes); do kafka_node "$i" start >"$RUN_DIR/kafka-$i.start.out" 2>&1 & pids[kafka-$i]=$!; done
  bash "$STACK_DIR/ferretdb.sh" start >"$RUN_DIR/ferretdb.start.out" 2>&1 & pids[ferretdb]=$!
  ( for i in $(nodes); do
      cassandra_node "$i" start >"$RUN_DIR/cassandra-$i.start.out" 2>&1 || exit 1
    done ) & pids[cassandra]=$!
  local failed=()
  for s in "${!pids[@]}"; do wait "${pids[$s]}" || failed+=("$s"); done
  for f in "$RUN_DIR"/kafka-*.start.out "$RUN_DIR"/ferretdb.start.out "$RUN_DIR"/cassandra-*.start.out; do
    [ -f "$f" ] && grep -v '^\[stack\]' "$f" || true
  done
  if ((${#failed[@]})); then
    die "${failed[*]} did not start (reason above; logs in $LOG_DIR); 'make down NODES=$NODES' stops what did start."
  fi
  create_pipeline_topics "$(kafka_bootstrap)" "$RF" "$MIN_ISR" \
    || die "creating the Kafka topics failed (message above); the cluster is still running (make down NODES=$NODES)."
  # The roles on every node: a node lost must lock nobody out (node 1 made them, with system_auth on one replica).
  local said
  said=$(CASSANDRA_HOST=$(cassandra_address_of 1) provision cassandra-auth-keyspace "$RF" "$CASSANDRA_DC" 2>&1) \
    || die "replicating Cassandra's system_auth failed ($said); the cluster is still running (make down NODES=$NODES)."
  if [ -n "$said" ]; then
    log "system_auth replicated to $RF nodes; repairing it so that each holds the roles"
    cassandra_node 1 nodetool repair -full system_auth >>"$LOG_DIR/cassandra-1.repair.log" 2>&1 \
      || die "repairing system_auth failed (log in $LOG_DIR/cassandra-1.repair.log); the cluster is still running."
  fi
  eval "$(client_env)"
  "$PY" "$STACK_DIR/cluster_check.py" --wait 60 || die "the cluster is up but not healthy (above)."
  log "cluster of $NODES nodes up in $((SECONDS - t0))s (installs ${installed}s); data and logs in $STACK_HOME"
  log "clients: $(client_env)"
  rss
}

rss() {
  local total=0 n f
  for f in "$RUN_DIR"/*.pid; do
    [ -f "$f" ] || continue
    n=$(basename "$f" .pid)
    kill -0 "$(cat "$f")" 2>/dev/null || continue
    local mb; mb=$(rss_mb "$(cat "$f")")
    total=$((total + mb))
    printf '  rss %-12s %6d MB\n' "$n" "$mb"
  done
  printf '  rss %-12s %6d MB\n' total "$total"
}

down() {
  bash "$STACK_DIR/ferretdb.sh" stop
  # Cassandra: all nodes drain together. Kafka: all nodes together, so that the controllers' quorum outlives
  # the brokers' controlled shutdowns (one at a time, the last broker would wait for a quorum that is gone).
  local p=()
  for i in $(nodes); do cassandra_node "$i" stop & p+=($!); done
  for i in $(nodes); do kafka_node "$i" stop & p+=($!); done
  for x in "${p[@]}"; do wait "$x" || true; done
}

status() {
  for i in $(nodes); do kafka_node "$i" status; done
  for i in $(nodes); do cassandra_node "$i" status; done
  bash "$STACK_DIR/ferretdb.sh" status
  rss
  echo
  eval "$(client_env)"
  "$PY" "$STACK_DIR/cluster_check.py" || true
  echo
  # shellcheck disable=SC2086  # make status's ARGS, split into flags on purpose
  (cd "$ROOT" && bash "$STACK_DIR/role.sh" dashboard "$PY" -m userprofiles.observe.status ${STATUS_ARGS:-}) || true
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  rss) rss ;;
  env) client_env ;;
  clean) down; rm -rf "$DATA_DIR" "$LOG_DIR" "$RUN_DIR" "$STACK_HOME/checkpoints"; log "deleted the data, logs and consumer checkpoints in $STACK_HOME (the credentials in $SECRETS_DIR stay)" ;;
  kafka|cassandra) svc=$1; i=${2:?node number}; shift 2; "${svc}_node" "$i" "$@" ;;
  *) die "usage: stack/cluster.sh up|down|status|clean|env|rss|kafka I start|stop|status|cassandra I start|stop|status|nodetool ARGS" ;;
esac
