#!/usr/bin/env bash
# make run: the consumer (spark-submit) and the producer side by side, both printing their progress,
# until Ctrl-C or until one of them stops; then the other is stopped cleanly too (the consumer resumes
# from its checkpoint next time). The dashboard runs beside them (its log in .stack/logs/dashboard.log).
# Whatever stops run.sh (Ctrl-C, SIGTERM to its group however often, SIGKILL), its programs are stopped
# too: they are recorded in $RUN_DIR (stack/leftovers.sh), which a later make run or make down also reads.
source "$(dirname "$0")/lib.sh"
source "$STACK_DIR/leftovers.sh"
cd "$ROOT"

stop_leftovers  # of an earlier make run that was killed with its watchdog
RUN_FILE=$(run_file $$)
: >"$RUN_FILE"
record() { echo "$2 $1" >>"$RUN_FILE"; }
finish() {
  # Further signals (make forwards the one it got, a supervisor repeats it) must not cut the clean-up short.
  trap '' INT TERM HUP PIPE
  trap - EXIT
  set +e
  log "stopping the producer, the consumer and the dashboard"
  stop_recorded "$RUN_FILE"
  cat <<MSG

Results:  make status   (rows, analytics, dead letters, lag)   make dlq   (the latest dead letters)
          make cqlsh    then  SELECT * FROM users_profiles LIMIT 10;
          make mongosh  then  db.by_nationality.find().sort({count: -1})
MSG
}
trap finish EXIT
trap 'exit 0' INT TERM HUP

# Each in its own process group, so that stopping one reaches all its processes (spark-submit's JVM and
# its Python) and nothing else.
# Each as its role (stack/role.sh): the credentials of its own file, in its environment only.
setsid bash "$STACK_DIR/role.sh" consumer bash "$STACK_DIR/submit.sh" &
consumer=$!
record consumer "$consumer"
setsid bash "$STACK_DIR/role.sh" producer "$PY" producer.py --source "${PRODUCER_SOURCE:-auto}" &
producer=$!
record producer "$producer"
DASHBOARD_PORT="${DASHBOARD_PORT:-$DEFAULT_DASHBOARD_PORT}"
if port_open "$DASHBOARD_PORT"; then
  log "port $DASHBOARD_PORT is taken (another dashboard?): no dashboard this time; set DASHBOARD_PORT to another port."
else
  setsid bash "$STACK_DIR/role.sh" dashboard "$PY" -m userprofiles.observe.dashboard --port "$DASHBOARD_PORT" \
    >>"$LOG_DIR/dashboard.log" 2>&1 </dev/null 9>&- &
  dashboard=$!
  record dashboard "$dashboard"
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

# The watchdog, for a run.sh killed before its clean-up ends (SIGKILL): in a session of its own (no signal
# to this group reaches it), it reads a pipe that only run.sh holds open (opened after the programs started,
# so they do not inherit it); the kernel closes it when run.sh ends, however it ends, and the watchdog then
# stops whatever $RUN_FILE still records (nothing after a clean-up that completed).
exec 8> >(exec setsid bash "$STACK_DIR/leftovers.sh" watchdog "$RUN_FILE" >>"$LOG_DIR/run.log" 2>&1 9>&-)
wait -n "$consumer" "$producer" || true
