#!/usr/bin/env bash
# A Spark standalone cluster on 127.0.0.1 from the venv's Spark (pyspark's), as the compose `spark` profile has:
# `make up SPARK_WORKERS=N` starts it, `make consumer` / `make run` submit to it (stack/submit.sh).
# Usage: stack/spark.sh start N|stop|status
#   master on 127.0.0.1:SPARK_MASTER_PORT (7077), its UI on SPARK_MASTER_WEBUI_PORT (8080);
#   worker i (1..N): SPARK_WORKER_CORES (1) cores, SPARK_WORKER_MEMORY (1g), its UI on SPARK_WORKER_WEBUI_PORT+i-1
#   (8181..; 0: any free port), its work dir (executors' files) in .stack/data/spark-worker-i.
# Ready: the master's /json/ lists N ALIVE workers. stop stops every worker and the master that start recorded.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CLASS="$VENV/bin/spark-class"
ADDR="127.0.0.1:$SPARK_MASTER_PORT"

version() { "$PY" -c 'import pyspark; print(pyspark.__version__)' 2>/dev/null || echo -; }

# The master's /json/ summed up: "alive" prints the number of ALIVE workers; "status" a line of the workers and
# running applications, then each application on a line of its own (one read, so both agree). Fails when
# the UI does not answer.
master_json() {
  "$PY" - "$1" "http://127.0.0.1:$SPARK_MASTER_WEBUI_PORT/json/" <<'PY'
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[2], timeout=5) as r:
    m = json.load(r)
alive = [w for w in m.get("workers", []) if w.get("state") == "ALIVE"]
apps = m.get("activeapps", [])
if sys.argv[1] == "alive":
    print(len(alive))
else:
    print(f"{len(alive)} worker(s) alive, {sum(w.get('cores', 0) for w in alive)} core(s), "
          f"{len(apps)} running application(s)")
    for a in apps:
        print(f"{a['name']} ({a['id']}, {a.get('cores', 0)} core(s))")
PY
}

workers_alive() { [ "$(master_json alive)" -ge "$1" ]; }

# The workers this checkout started: their numbers, from the PID files.
recorded_workers() {
  local f
  for f in "$RUN_DIR"/spark-worker-*.pid; do [ -f "$f" ] && basename "$f" .pid | sed 's/^spark-worker-//'; done | sort -n
}

start_master() {
  if is_running spark-master; then return 0; fi
  need_free_port "the Spark master (SPARK_MASTER_PORT)" "$SPARK_MASTER_PORT"
  need_free_port "the Spark master's UI (SPARK_MASTER_WEBUI_PORT)" "$SPARK_MASTER_WEBUI_PORT"
  spawn spark-master "$CLASS" org.apache.spark.deploy.master.Master \
    --host 127.0.0.1 --port "$SPARK_MASTER_PORT" --webui-port "$SPARK_MASTER_WEBUI_PORT"
  # Recorded so that status, stop and submit.sh find this master without the port variables (stack/lib.sh).
  echo "$SPARK_MASTER_PORT $SPARK_MASTER_WEBUI_PORT" >"$RUN_DIR/spark-master.ports"
  wait_ready spark-master 90 master_json alive >/dev/null
}

start_worker() {
  local i=$1 svc="spark-worker-$1" ui=0
  is_running "$svc" && return 0
  if ((SPARK_WORKER_WEBUI_PORT > 0)); then
    ui=$((SPARK_WORKER_WEBUI_PORT + i - 1))
    need_free_port "Spark worker $i's UI (SPARK_WORKER_WEBUI_PORT, 0 for any free port)" "$ui"
  fi
  mkdir -p "$DATA_DIR/$svc"
  spawn "$svc" "$CLASS" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --webui-port "$ui" \
    --cores "$SPARK_WORKER_CORES" --memory "$SPARK_WORKER_MEMORY" --work-dir "$DATA_DIR/$svc" "$(spark_master_url)"
}

start() {
  local n=${1:-} t0=$SECONDS i secs
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "stack/spark.sh start needs the number of workers (N >= 1), e.g. 'make up SPARK_WORKERS=2'."
  [ -x "$CLASS" ] || die "$CLASS is missing (pyspark is not installed in $VENV); run 'make venv' and retry."
  need_java17
  start_master
  # Workers beyond N (a previous start with more) are stopped, so that the cluster has the N asked for.
  for i in $(recorded_workers); do ((i <= n)) || stop_pid "spark-worker-$i" 30; done
  for ((i = 1; i <= n; i++)); do start_worker "$i"; done
  local start=$SECONDS
  until workers_alive "$n" 2>/dev/null; do
    for ((i = 1; i <= n; i++)); do
      is_running "spark-worker-$i" || { tail -n 15 "$LOG_DIR/spark-worker-$i.log" >&2; stop
        die "Spark worker $i exited during start-up (log above, full log in $LOG_DIR/spark-worker-$i.log); fix the cause and run 'make up SPARK_WORKERS=$n' again."; }
    done
    if ((SECONDS - start > 90)); then
      stop
      die "the Spark master did not list $n ALIVE workers within 90s (the cluster was stopped again); see $LOG_DIR/spark-master.log and $LOG_DIR/spark-worker-*.log."
    fi
    sleep 1
  done
  secs=$((SECONDS - t0))
  status_line spark "$ADDR" "$(version)" \
    "ready in ${secs}s: $n worker(s) of $SPARK_WORKER_CORES core(s), $SPARK_WORKER_MEMORY; UI $(spark_ui_url)"
}

stop() {
  local i stopped=""
  # Workers first: the master then sees them leave instead of losing them.
  for i in $(recorded_workers); do is_running "spark-worker-$i" && stopped=1; stop_pid "spark-worker-$i" 30; done
  is_running spark-master && stopped=1
  stop_pid spark-master 30
  rm -f "$RUN_DIR/spark-master.ports"
  [ -z "$stopped" ] || log "spark stopped (master and workers)"
}

status() {
  local summary
  if is_running spark-master; then
    if summary=$(master_json status 2>/dev/null); then
      status_line spark "$ADDR" "$(version)" "up (pid $(cat "$(pidfile spark-master)")), UI $(spark_ui_url): ${summary%%$'\n'*}"
      sed -n '2,$s/^/           application: /p' <<<"$summary"
    else
      status_line spark "$ADDR" "$(version)" "up (pid $(cat "$(pidfile spark-master)")), its UI $(spark_ui_url) not answering"
    fi
  elif port_open "$SPARK_MASTER_PORT"; then
    status_line spark "$ADDR" - "answering, not started here"
  else
    status_line spark "$ADDR" - "down (make up SPARK_WORKERS=N starts a standalone cluster)"
  fi
}

case "${1:-}" in
  start) start "${2:-${SPARK_WORKERS:-}}" ;;
  stop|status) "$1" ;;
  *) die "usage: $0 start N|stop|status" ;;
esac
