#!/usr/bin/env bash
# make run: the consumer (spark-submit) and the producer side by side, both printing their progress,
# until Ctrl-C or until one of them stops; then the other is stopped cleanly too (the consumer resumes
# from its checkpoint next time). The dashboard runs beside them (its log in .stack/logs/dashboard.log).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

# Each in its own process group, so that stopping one reaches all its processes (spark-submit's JVM and
# its Python) and nothing else.
setsid bash "$STACK_DIR/submit.sh" &
consumer=$!
setsid "$PY" producer.py --source "${PRODUCER_SOURCE:-auto}" &
producer=$!
DASHBOARD_PORT="${DASHBOARD_PORT:-8501}"
dashboard=""
if port_open "$DASHBOARD_PORT"; then
  log "port $DASHBOARD_PORT is taken (another dashboard?): no dashboard this time; set DASHBOARD_PORT to another port."
else
  setsid "$PY" -m userprofiles.observe.dashboard --port "$DASHBOARD_PORT" >>"$LOG_DIR/dashboard.log" 2>&1 </dev/null 9>&- &
  dashboard=$!
  # Its address once it answers (in the background: the pipeline does not wait for it), or why it did not start.
  (
    for _ in $(seq 60); do
      if port_open "$DASHBOARD_PORT"; then log "dashboard: http://127.0.0.1:$DASHBOARD_PORT/"; exit 0; fi
      kill -0 "$dashboard" 2>/dev/null || break
      sleep 0.5
    done
    tail -n 3 "$LOG_DIR/dashboard.log" >&2
    log "the dashboard did not start (log above, full log in $LOG_DIR/dashboard.log); the pipeline runs without it."
  ) &
fi

stop_group() {  # pid, name: TERM the group, KILL it after 30 s
  kill -TERM -- "-$1" 2>/dev/null || return 0
  for _ in $(seq 30); do kill -0 "$1" 2>/dev/null || return 0; sleep 1; done
  log "$2 did not stop in 30 s; killing it"
  kill -KILL -- "-$1" 2>/dev/null || true
}
finish() {
  trap - EXIT INT TERM
  stop_group "$producer" producer   # first, so that it flushes what it has
  stop_group "$consumer" consumer
  [ -z "$dashboard" ] || stop_group "$dashboard" dashboard
  cat <<MSG

Results:  make status   (rows, analytics, dead letters, lag)   make dlq   (the latest dead letters)
          make cqlsh    then  SELECT * FROM users_profiles LIMIT 10;
          make mongosh  then  db.by_nationality.find().sort({count: -1})
MSG
}
trap finish EXIT
trap 'exit 0' INT TERM
wait -n "$consumer" "$producer" || true
