#!/usr/bin/env bash
# make consumer / make run: spark-submit of consumer_spark.py (arguments passed on), to the standalone cluster
# of `make up SPARK_WORKERS=N` when its master answers, else in local mode; SPARK_MASTER, when set, decides.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

# The executors run the pipeline's Python code with the venv's Python (the package itself is shipped by
# userprofiles/spark_runtime.ship_package; the JVM piece is in the same Spark's jars folder the workers use).
export PYSPARK_PYTHON="${PYSPARK_PYTHON:-$PY}"
master=()
if [ -n "${SPARK_MASTER:-}" ]; then
  log "consumer: Spark master $SPARK_MASTER (from SPARK_MASTER)"
elif port_open "$SPARK_MASTER_PORT"; then
  master=(--master "$(spark_master_url)")
  log "consumer: submitted to the standalone cluster $(spark_master_url) (UI $(spark_ui_url))"
else
  log "consumer: Spark in local mode (no standalone master on $(spark_master_url); 'make up SPARK_WORKERS=N' starts one)"
fi
# Through stack/spark-submit.sh: spark-submit with the driver's class-data-sharing archive, when there is one.
exec bash "$STACK_DIR/spark-submit.sh" "${master[@]}" consumer_spark.py "$@"
