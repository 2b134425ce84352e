#!/usr/bin/env bash
# make run: the consumer (spark-submit) in the background and the producer in the foreground, both
# printing their progress, until Ctrl-C; then both stop cleanly (the consumer resumes from its checkpoint).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

# Its own process group, so that stopping it reaches the JVM and its Python processes, and nothing else.
setsid "$VENV/bin/spark-submit" consumer_spark.py &
consumer=$!
stop() {
  trap - EXIT INT TERM
  echo "stopping the consumer..." >&2
  kill -TERM -- "-$consumer" 2>/dev/null || true
  for _ in $(seq 30); do kill -0 "$consumer" 2>/dev/null || break; sleep 1; done
  kill -KILL -- "-$consumer" 2>/dev/null || true
  cat <<MSG

Results:  make cqlsh    then  SELECT * FROM users_profiles LIMIT 10;
          make mongosh  then  db.by_nationality.find().sort({count: -1})
MSG
}
trap stop EXIT
trap 'exit 0' INT TERM
"$PY" producer.py --source "${PRODUCER_SOURCE:-auto}" || true
