#!/usr/bin/env bash
# make run: the consumer (spark-submit) and the producer side by side, both printing their progress,
# until Ctrl-C or until one of them stops; then the other is stopped cleanly too (the consumer resumes
# from its checkpoint next time).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

# Each in its own process group, so that stopping one reaches all its processes (spark-submit's JVM and
# its Python) and nothing else.
setsid "$VENV/bin/spark-submit" consumer_spark.py &
consumer=$!
setsid "$PY" producer.py --source "${PRODUCER_SOURCE:-auto}" &
producer=$!

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
  cat <<MSG

Results:  make cqlsh    then  SELECT * FROM users_profiles LIMIT 10;
          make mongosh  then  db.by_nationality.find().sort({count: -1})
MSG
}
trap finish EXIT
trap 'exit 0' INT TERM
wait -n "$consumer" "$producer" || true
