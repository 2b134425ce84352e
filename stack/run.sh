#!/usr/bin/env bash
# make run: the consumer (spark-submit) in the background and the producer in the foreground, both
# printing their progress, until Ctrl-C; then both stop cleanly.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

"$VENV/bin/spark-submit" consumer_spark.py 2> >(grep --line-buffered -vE '^(WARN|\s*$)|NativeCodeLoader|log4j' >&2) &
consumer=$!
stop() {
  kill -INT "$consumer" 2>/dev/null || true
  wait "$consumer" 2>/dev/null || true
  cat <<MSG

Results:  make cqlsh    then  SELECT * FROM users_profiles LIMIT 10;
          make mongosh  then  db.by_nationality.find().sort({count: -1})
MSG
}
trap stop EXIT
trap 'exit 0' INT TERM
"$PY" producer.py --source "${PRODUCER_SOURCE:-auto}"
