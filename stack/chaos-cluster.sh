#!/usr/bin/env bash
# make chaos-cluster: the cluster scenario (tests/chaos_cluster) on a NODES=3 cluster. Starts the cluster
# when it is not running (and stops it again at the end), runs the scenario with the cluster's client
# addresses, prints the table (also in bench/results/chaos-cluster.md).
export NODES="${NODES:-3}"
((NODES >= 3)) || NODES=3
source "$(dirname "$0")/lib.sh"

started=""
if ! is_running kafka-1 || ! is_running cassandra-1; then
  bash "$STACK_DIR/cluster.sh" up
  started=1
fi
eval "$(bash "$STACK_DIR/cluster.sh" env)"
export KAFKA_REPLICATION_FACTOR="$CLUSTER_RF" KAFKA_MIN_ISR="$CLUSTER_MIN_ISR" CHAOS_READ_CONSISTENCY=LOCAL_QUORUM
rc=0
(cd "$ROOT" && "$PY" -m pytest tests/chaos_cluster -q -s -p no:cacheprovider) || rc=$?
[ -z "$started" ] || bash "$STACK_DIR/cluster.sh" down
exit "$rc"
