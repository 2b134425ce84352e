#!/usr/bin/env bash
# The local stack without Docker: up | down | status | clean.
#   up      install what is missing (cached), start Kafka, Cassandra and FerretDB, wait until each answers
#           its own protocol; if one fails, stop those this run started (no half-started stack).
#   down    stop what a make run left running (stack/leftovers.sh), then exactly what up started (PID files).
#   status  each service's process, then the figures (rows, analytics, dead letters, lag).
#   clean   down, then delete data and logs (.stack/); the download cache stays.
source "$(dirname "$0")/lib.sh"
# down and clean first stop what a make run of this checkout left running (whatever NODES is): its consumer
# and producer use the services.
case "${1:-}" in down | clean) bash "$STACK_DIR/leftovers.sh" stop ;; esac

# SPARK_WORKERS=N (N >= 1): a Spark standalone cluster beside either stack (stack/spark.sh). Without it, up
# neither starts nor stops one; down stops whatever spark.sh recorded, before the services the consumer uses.
spark_hook() {
  case "$1" in
    up) [ -z "${SPARK_WORKERS:-}" ] || bash "$STACK_DIR/spark.sh" start "$SPARK_WORKERS" ;;
    down|clean) bash "$STACK_DIR/spark.sh" stop ;;
    status) bash "$STACK_DIR/spark.sh" status ;;
  esac
}

# NODES=3: the replicated cluster on this machine (stack/cluster.sh); NODES=1 (default): the single node below.
if ((NODES > 1)); then
  case "${1:-}" in down|clean) spark_hook "$1" ;; esac
  bash "$STACK_DIR/cluster.sh" "$@" || exit
  case "${1:-}" in up|status) spark_hook "$1" ;; esac
  exit 0
fi

SERVICES=(kafka cassandra ferretdb)

up() {
  local t0=$SECONDS
  need_java17
  # FerretDB's build (Go module proxy, then npm for mongosh) needs neither the venv nor Maven: on a fresh
  # machine it runs beside the pip install and the Maven downloads instead of after them.
  local ferretdb_install=""
  if is_running ferretdb || ! port_open "$MONGO_PORT"; then  # else in use as it is (below)
    bash "$STACK_DIR/ferretdb.sh" install &
    ferretdb_install=$!
  fi
  bash "$STACK_DIR/python.sh" install
  make_secrets || exit 1
  # Which were already running: a failure must not stop what this run did not start. A service that already
  # answers on its address without being ours (docker compose, another checkout) is used as it is: nothing
  # is installed for it and its start only creates the topics / applies the schema.
  local -A was_up=() probe=([kafka]=kafka [cassandra]=cassandra [ferretdb]=mongo) probing=()
  local external=()
  for s in "${SERVICES[@]}"; do  # the probes in parallel: a service that is down costs its ~3 s timeout once
    if is_running "$s"; then was_up[$s]=1; else answers "${probe[$s]}" & probing[$s]=$!; fi
  done
  for s in "${SERVICES[@]}"; do
    if [ -n "${probing[$s]:-}" ] && wait "${probing[$s]}"; then was_up[$s]=1; external+=("$s"); fi
  done
  ((${#external[@]} == 0)) || log "already answering on the configured addresses, used as they are: ${external[*]}"
  for s in kafka cassandra; do
    [[ " ${external[*]} " == *" $s "* ]] || bash "$STACK_DIR/$s.sh" install
  done
  [ -z "$ferretdb_install" ] || wait "$ferretdb_install" || exit 1  # its error is printed above
  local installed=$((SECONDS - t0))
  # Start all three at once (Cassandra's start dominates); each prints its one line when ready.
  local -A pids=()
  for s in "${SERVICES[@]}"; do
    bash "$STACK_DIR/$s.sh" start >"$RUN_DIR/$s.start.out" 2>&1 &
    pids[$s]=$!
  done
  local failed=()
  for s in "${SERVICES[@]}"; do
    if wait "${pids[$s]}"; then cat "$RUN_DIR/$s.start.out"; else failed+=("$s"); fi
  done
  if ((${#failed[@]})); then
    for s in "${failed[@]}"; do grep -v '^\[stack\]' "$RUN_DIR/$s.start.out" >&2 || true; done
    for s in "${SERVICES[@]}"; do [ -n "${was_up[$s]:-}" ] || bash "$STACK_DIR/$s.sh" stop >/dev/null 2>&1 || true; done
    die "${failed[*]} did not start (reason above); the services this run started were stopped again."
  fi
  spark_hook up
  log "stack up in $((SECONDS - t0))s (installs ${installed}s); data and logs in $STACK_HOME"
  bash "$STACK_DIR/cds.sh" build
}

down() {
  # Reverse order: the Spark cluster (the consumer's executors) and the producers/consumers of Kafka are gone
  # before it; Cassandra gets its drain time.
  spark_hook down
  for s in ferretdb cassandra kafka; do bash "$STACK_DIR/$s.sh" stop; done
}

status() {
  for s in "${SERVICES[@]}"; do bash "$STACK_DIR/$s.sh" status; done
  spark_hook status
  echo
  # The figures: what each store holds, dead letters, the consumer's lag (userprofiles/observe/status.py).
  if [ -x "$PY" ]; then
    # shellcheck disable=SC2086  # make status's ARGS, split into flags on purpose
    (cd "$ROOT" && bash "$STACK_DIR/role.sh" dashboard "$PY" -m userprofiles.observe.status ${STATUS_ARGS:-})
  else
    log "no figures: the Python environment $VENV is missing; run 'make venv' (or make up) first."
  fi
}

# New passwords for the app roles, given to the running services by the admin; each program takes its new one at
# its next start (its open connections stay). The admin's password is the services' own: make clean renews it.
rotate_secrets() {
  for s in "${SERVICES[@]}"; do is_running "$s" || die "$s is not running; make up first, then make rotate-secrets."; done
  "$PY" -m userprofiles.access.secrets rotate
  create_pipeline_topics "127.0.0.1:$KAFKA_PORT" 1 1
  CASSANDRA_HOST=127.0.0.1 provision cassandra
  provision mongo
  log "the producer, consumer and dashboard have new passwords in $SECRETS_DIR; restart what runs (make run again)"
}

case "${1:-}" in
  up) up ;;
  rotate-secrets) rotate_secrets ;;
  down) down ;;
  status) status ;;
  clean) down; rm -rf "$DATA_DIR" "$LOG_DIR" "$RUN_DIR" "$STACK_HOME/checkpoints"; log "deleted the data, logs and consumer checkpoints in $STACK_HOME (the credentials in $SECRETS_DIR stay)" ;;
  *) die "usage: stack/stack.sh up|down|status|clean" ;;
esac
