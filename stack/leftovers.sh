#!/usr/bin/env bash
# The programs of `make run` (consumer, producer, dashboard), each started in a session of its own, are
# recorded in $RUN_DIR/run.<pid of run.sh>.groups ("pid name" a line; the pid is also the session's and the
# group's id), so that whatever ends run.sh, they can be found and stopped:
#   sourced by run.sh     its clean-up (stop_recorded) and a start that stops an earlier run's leftovers
#   stop                  `make down` (stack.sh): stops every recorded program, of a live run.sh too
#   watchdog FILE         run.sh's watchdog: waits for the end of its stdin (run.sh's end), then stops FILE's
# A recorded pid is acted on only while its session still runs the program of that name (its command line),
# so a recycled pid is never killed.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then source "$(dirname "$0")/lib.sh"; fi

RUN_STOP_SECONDS="${RUN_STOP_SECONDS:-30}"

run_file() { echo "$RUN_DIR/run.$1.groups"; }

# What the command line of a recorded program holds.
program_word() {
  case "$1" in
    consumer) echo consumer_spark.py ;;
    producer) echo producer.py ;;
    dashboard) echo userprofiles.observe.dashboard ;;
  esac
}

# The live processes (zombies left out) of session SID: "sid stat pid args" a line. Read from /proc, not ps: a
# minimal Debian has no procps.
session_procs() {
  local d stat state sid args
  for d in /proc/[0-9]*; do
    { stat=$(<"$d/stat"); } 2>/dev/null || continue
    # After the command name (which may hold spaces): state ppid pgrp session ...
    read -r state _ _ sid _ <<<"${stat##*) }"
    [ "$sid" = "$1" ] && [ "$state" != Z ] || continue
    args=$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null) || continue
    echo "$sid $state ${d#/proc/} $args"
  done
}

# True while session SID runs the program NAME.
ours() {
  local procs word
  procs=$(session_procs "$1")
  word=$(program_word "$2")
  [ -n "$word" ] && [[ $procs == *"$word"* ]]
}

# True while PID is a run.sh.
run_alive() { [[ $(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) == *run.sh* ]]; }

# TERM the group of session SID (the program NAME); KILL whatever is left of the session after RUN_STOP_SECONDS.
stop_group() {
  local sid=$1 name=$2 i
  kill -TERM -- "-$sid" 2>/dev/null || true
  for ((i = 0; i < RUN_STOP_SECONDS * 5; i++)); do
    [ -n "$(session_procs "$sid")" ] || return 0
    sleep 0.2
  done
  log "$name did not stop in ${RUN_STOP_SECONDS}s; killing it"
  session_procs "$sid" | awk '{print $3}' | xargs -r kill -KILL 2>/dev/null || true
}

# "name (pid N)" of each program FILE records that still runs.
recorded_programs() {
  local sid name out=()
  while read -r sid name; do
    if ours "$sid" "$name"; then out+=("$name (pid $sid)"); fi
  done <"$1"
  echo "${out[*]}"
}

# Stop what FILE records, the producer first (it flushes what it has), then the consumer, then the dashboard;
# then forget FILE.
stop_recorded() {
  local file=$1 name sid
  for name in producer consumer dashboard; do
    sid=$(awk -v n="$name" '$2 == n {print $1; exit}' "$file" 2>/dev/null) || true
    if [ -n "$sid" ] && ours "$sid" "$name"; then stop_group "$sid" "$name"; fi
  done
  rm -f "$file"
}

# Stop the programs of every make run of this checkout whose run.sh is gone; with "all", of live ones too.
stop_leftovers() {
  local file run found
  for file in "$RUN_DIR"/run.*.groups; do
    [ -f "$file" ] || continue
    run=${file##*/run.}
    run=${run%.groups}
    if [ "${1:-}" != all ] && run_alive "$run"; then continue; fi
    found=$(recorded_programs "$file")
    [ -z "$found" ] || log "stopping the programs of make run (pid $run) still running: $found"
    stop_recorded "$file"
  done
}

# Read stdin to its end, which comes when run.sh is gone (however it ended), then stop what FILE still records.
watchdog() {
  local found run=${1##*/run.}
  while read -r _; do :; done
  [ -f "$1" ] || return 0
  found=$(recorded_programs "$1")
  [ -z "$found" ] || log "run.sh (pid ${run%.groups}) is gone; stopping what it started: $found"
  stop_recorded "$1"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-}" in
    stop) stop_leftovers all ;;
    watchdog) watchdog "$2" ;;
    *) die "usage: stack/leftovers.sh stop | watchdog FILE" ;;
  esac
fi
