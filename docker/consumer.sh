#!/usr/bin/env bash
# The consumer in docker compose: spark-submit consumer_spark.py with the master chosen by the profiles that are
# up: spark://spark-master:7077 when the spark profile runs (its service name resolves), else local[2].
# SPARK_MASTER, when set, decides. The executors reach the driver at this container's address.
set -euo pipefail
master="${SPARK_MASTER:-}"
if [ -z "$master" ]; then
  if getent hosts spark-master >/dev/null 2>&1; then master="spark://spark-master:7077"; else master="local[2]"; fi
fi
addr="$(hostname -i | awk '{print $1}')"
echo "consumer: Spark master $master, driver at $addr"
exec spark-submit --master "$master" \
  --conf spark.driver.host="$addr" --conf spark.driver.bindAddress=0.0.0.0 \
  consumer_spark.py --master "$master" "$@"
