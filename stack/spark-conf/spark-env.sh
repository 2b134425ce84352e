# Spark on this machine listens on the loopback only (the local stack is never exposed).
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
