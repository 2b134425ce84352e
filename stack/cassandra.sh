#!/usr/bin/env bash
# Apache Cassandra, single node on 127.0.0.1 (CQL on $CASSANDRA_PORT), without Docker.
#
# Usage: stack/cassandra.sh install|start|stop|status|nodetool ARGS...
# NODE=i with NODES=N (stack/cluster.sh sets them): node i of an N-node cluster on its own loopback address
# $(cassandra_address_of i) (127.0.0.i), the same CQL/storage ports, JMX on $(cassandra_jmx_port_of i), seed node 1.
#   install  download cassandra-all $CASSANDRA_VERSION and its runtime dependencies from Maven Central (once)
#   start    start the node (heap $CASSANDRA_HEAP), wait until CQL answers, apply cassandra_schema.cql
#   stop     stop the node (SIGTERM: Cassandra drains, i.e. flushes its memtables, before it exits)
#   status   one line: running or stopped
#
# The 5.x binary tarball is not on Maven Central, so the server is org.apache.cassandra.service.CassandraDaemon
# run from the cassandra-all jar with the JVM options of Cassandra's own conf/jvm-server.options and
# conf/jvm17-server.options (see JVM_OPTS below) and stack/cassandra.yaml. Data are kept across restarts in
# .stack/data/cassandra; logs go to .stack/logs/cassandra/system.log (and warnings to .stack/logs/cassandra.log).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LIB="$STACK_CACHE/cassandra-$CASSANDRA_VERSION"
NODE="${NODE:-}"
SVC=cassandra
CDATA="$DATA_DIR/cassandra"
CLOG="$LOG_DIR/cassandra"
CASSANDRA_HOST=127.0.0.1
SEEDS="127.0.0.1:$CASSANDRA_STORAGE_PORT"
ALLOC_RF=1
RING_DELAY_MS=1000
if [ -n "$NODE" ]; then
  # A joining node waits this long to learn the ring before it bootstraps: longer than a lone node's 1 s.
  RING_DELAY_MS="${CASSANDRA_CLUSTER_RING_DELAY_MS:-5000}"
  SVC="cassandra-$NODE"; CDATA="$DATA_DIR/cassandra-$NODE"; CLOG="$LOG_DIR/cassandra-$NODE"
  CASSANDRA_HOST=$(cassandra_address_of "$NODE")
  CASSANDRA_JMX_PORT=$(cassandra_jmx_port_of "$NODE")
  SEEDS="$(cassandra_address_of 1):$CASSANDRA_STORAGE_PORT"
  ALLOC_RF=$CLUSTER_RF; ((ALLOC_RF <= NODES)) || ALLOC_RF=$NODES
fi
# Read by ready.py and by userprofiles.sinks.cassandra_schema, which applies cassandra_schema.cql. CASSANDRA_REPLICATION
# (the keyspace's replication map when this start creates it) is set by stack/cluster.sh; unset, the file's own
# SimpleStrategy RF 1.
export CASSANDRA_PORT CASSANDRA_HOST
CONF="$CDATA/conf/cassandra.yaml"

install() {
  maven_fetch "$STACK_DIR/maven/cassandra.xml" "$LIB" -Dcassandra.version="$CASSANDRA_VERSION"
  [ -f "$LIB/cassandra-all-$CASSANDRA_VERSION.jar" ] \
    || die "$LIB lacks cassandra-all-$CASSANDRA_VERSION.jar; delete $LIB and run '$0 install' again."
}

# The driver lives in the project venv; without it the readiness probe would only time out.
need_driver() {
  "$PY" -c 'import cassandra' 2>/dev/null \
    || die "the Python package cassandra-driver is not importable by $PY; create the venv (pip install -r requirements.txt) and retry."
}

ready() { probe_service cassandra "$@"; }

# stack/cassandra.yaml with this machine's paths and ports.
render_conf() {
  mkdir -p "$CDATA/conf" "$CDATA/data" "$CDATA/commitlog" "$CDATA/saved_caches" "$CDATA/hints" \
           "$CDATA/cdc_raw" "$CDATA/tmp" "$CDATA/triggers" "$CLOG"
  sed -e "s|@DATA@|$CDATA|g" -e "s|@NATIVE_PORT@|$CASSANDRA_PORT|g" -e "s|@STORAGE_PORT@|$CASSANDRA_STORAGE_PORT|g" \
    -e "s|@ADDRESS@|$CASSANDRA_HOST|g" -e "s|@SEEDS@|$SEEDS|g" -e "s|@ALLOC_RF@|$ALLOC_RF|g" \
    "$STACK_DIR/cassandra.yaml" >"$CONF.tmp"
  mv "$CONF.tmp" "$CONF"
}

jvm_opts() {
  JVM_OPTS=(
    # --- conf/jvm-server.options (5.0) ---
    -ea
    -da:net.openhft...
    -XX:+UseThreadPriorities
    -XX:+HeapDumpOnOutOfMemoryError
    -Xss256k
    -XX:+AlwaysPreTouch
    -XX:+UseTLAB
    -XX:+ResizeTLAB
    -XX:+UseNUMA
    -XX:+PerfDisableSharedMem
    -Djava.net.preferIPv4Stack=true
    # --- conf/jvm17-server.options (5.0) ---
    -XX:+UseG1GC
    -XX:+ParallelRefProcEnabled
    -XX:MaxTenuringThreshold=1
    -XX:G1HeapRegionSize=16m
    -XX:G1RSetUpdatingPauseTimePercent=5
    -XX:MaxGCPauseMillis=300
    -XX:InitiatingHeapOccupancyPercent=70
    -Djdk.attach.allowAttachSelf=true
    --add-exports java.base/jdk.internal.misc=ALL-UNNAMED
    --add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED
    --add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED
    --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED
    --add-exports java.sql/java.sql=ALL-UNNAMED
    --add-exports java.base/java.lang.ref=ALL-UNNAMED
    --add-exports jdk.unsupported/sun.misc=ALL-UNNAMED
    --add-exports jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
    --add-exports jdk.attach/sun.tools.attach=ALL-UNNAMED
    --add-opens java.base/java.lang.module=ALL-UNNAMED
    --add-opens java.base/jdk.internal.loader=ALL-UNNAMED
    --add-opens java.base/jdk.internal.ref=ALL-UNNAMED
    --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED
    --add-opens java.base/jdk.internal.math=ALL-UNNAMED
    --add-opens java.base/jdk.internal.module=ALL-UNNAMED
    --add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED
    --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
    --add-opens java.base/sun.nio.ch=ALL-UNNAMED
    --add-opens java.base/java.io=ALL-UNNAMED
    --add-opens java.base/java.lang.reflect=ALL-UNNAMED
    --add-opens jdk.compiler/com.sun.tools.javac=ALL-UNNAMED
    --add-opens java.base/java.lang=ALL-UNNAMED
    --add-opens java.base/java.util=ALL-UNNAMED
    --add-opens java.base/java.nio=ALL-UNNAMED
    -Dio.netty.tryReflectionSetAccessible=true
    -Dio.netty.allocator.useCacheForAllThreads=true
    -Dio.netty.allocator.maxOrder=11
    # --- what bin/cassandra and conf/cassandra-env.sh add ---
    "-Xms$CASSANDRA_HEAP"
    "-Xmx$CASSANDRA_HEAP"
    "-javaagent:$(ls "$LIB"/jamm-*.jar | head -n 1)"
    -XX:+CrashOnOutOfMemoryError
    "-XX:HeapDumpPath=$CDATA"
    "-XX:ErrorFile=$CLOG/hs_err_%p.log"
    "-Djava.io.tmpdir=$CDATA/tmp"
    "-Dcassandra.jmx.local.port=$CASSANDRA_JMX_PORT"
    "-Dcom.sun.management.jmxremote.rmi.port=$CASSANDRA_JMX_PORT"
    "-Dcassandra.config=file://$CONF"
    "-Dcassandra.storagedir=$CDATA"
    "-Dcassandra.logdir=$CLOG"
    "-Dlogback.configurationFile=file://$STACK_DIR/cassandra-logback.xml"
    "-Dcassandra.triggers_dir=$CDATA/triggers"
    -Dcassandra-foreground=yes
    # bin/cassandra's value when jemalloc is not preloaded (silences that start-up warning)
    -Dcassandra.libjemalloc=-
    # Cassandra installs a SecurityManager (UDF sandbox): allowed by default on Java 17 (which still prints a
    # deprecation warning on stderr), refused by default from Java 18 on without this property.
    -Djava.security.manager=allow
    # The default superuser, from which make up makes the admin role, at once rather than 10 s after the start.
    -Dcassandra.superuser_setup_delay_ms=0
    # --- fast start of a lone node: no peers to wait for ---
    -Dcassandra.skip_wait_for_gossip_to_settle=0
    "-Dcassandra.ring_delay_ms=$RING_DELAY_MS"
  )
}

line() { status_line "$SVC" "$CASSANDRA_HOST:$CASSANDRA_PORT" "$1" "$2"; }  # version, state

# The roles, cassandra_schema.cql and the grants (userprofiles/access/provision.py), as the admin: by the lone
# node, or by a cluster's first node (stack/cluster.sh replicates system_auth once every node is up).
provision_node() {
  [ -z "$NODE" ] || [ "$NODE" = 1 ] || return 0
  provision cassandra
}

start() {
  need_driver
  local secs version
  if is_running "$SVC" && version=$(ready --version 2>/dev/null); then
    line "$version" "already running (pid $(cat "$(pidfile "$SVC")"))"
    return 0
  fi
  if ! is_running "$SVC" && addr_open "$CASSANDRA_HOST" "$CASSANDRA_PORT" && version=$(ready --version 2>/dev/null); then
    # A Cassandra already answers on this port (docker compose, or the stack of another checkout): use it.
    provision_node || die "setting up the roles and the schema on the Cassandra on 127.0.0.1:$CASSANDRA_PORT failed (error above)."
    external_line cassandra "$CASSANDRA_HOST:$CASSANDRA_PORT" "$version"
    return 0
  fi
  if ! is_running "$SVC"; then
    need_java17
    local jv
    jv=$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
    [ "$jv" = 17 ] || log "warning: Cassandra $CASSANDRA_VERSION supports Java 11 and 17 only; 'java' is Java $jv"
    need_bindable "$CASSANDRA_HOST"
    need_free_addr "$SVC" "$CASSANDRA_HOST" "$CASSANDRA_PORT"
    need_free_addr "$SVC" "$CASSANDRA_HOST" "$CASSANDRA_STORAGE_PORT"
    need_free_port "$SVC" "$CASSANDRA_JMX_PORT"
    make_secrets || exit 1   # a service started alone (stack/<svc>.sh start) gets them too
    install
    render_conf
    jvm_opts
    # Cassandra's own default (cassandra-env.sh): fewer glibc malloc arenas, less native memory.
    MALLOC_ARENA_MAX=4 spawn "$SVC" java "${JVM_OPTS[@]}" -cp "$LIB/*" org.apache.cassandra.service.CassandraDaemon
  fi
  secs=$(wait_ready "$SVC" 180 ready)
  provision_node \
    || die "setting up Cassandra's roles and schema failed (error above); see $CLOG/system.log, then run '$0 start' again."
  version=$(ready --version) || die "Cassandra stopped answering right after start; see $CLOG/system.log."
  line "$version" "ready in ${secs}s"
}

# nodetool of this node, over its JMX port (the NodeTool class of cassandra-all; no bin/nodetool on Maven Central).
nodetool() {
  # The server's --add-exports/--add-opens (conf/jvm17-clients.options has the same).
  jvm_opts
  local opens=() i
  for ((i = 0; i < ${#JVM_OPTS[@]}; i++)); do
    case "${JVM_OPTS[$i]}" in --add-exports|--add-opens) opens+=("${JVM_OPTS[$i]}" "${JVM_OPTS[$((i + 1))]}") ;; esac
  done
  java -Xmx256m -Djava.net.preferIPv4Stack=true "${opens[@]}" -Dcassandra.logdir="$CLOG" \
    -Dlogback.configurationFile="file://$STACK_DIR/cassandra-logback.xml" \
    -cp "$LIB/*" org.apache.cassandra.tools.NodeTool -h 127.0.0.1 -p "$CASSANDRA_JMX_PORT" "$@"
}

stop() {
  # SIGTERM runs Cassandra's drain hook (flush memtables, close the commit log); give it time.
  stop_pid "$SVC" 60
}

status() {
  local version
  if ! is_running "$SVC"; then
    if [ -x "$PY" ] && addr_open "$CASSANDRA_HOST" "$CASSANDRA_PORT" && version=$(ready --version 2>/dev/null); then
      line "$version" "answering, not started here"
    else line - stopped; fi
  elif version=$(ready --version 2>/dev/null); then
    line "$version" "running (pid $(cat "$(pidfile "$SVC")"))"
  else
    line - "starting or not answering (pid $(cat "$(pidfile "$SVC")"), log $CLOG/system.log)"
  fi
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  nodetool) shift; nodetool "$@" ;;
  render) render_conf; cat "$CONF" ;;  # the node's cassandra.yaml (tests/unit/project/test_cluster_config.py)
  *) die "usage: $0 install|start|stop|status" ;;
esac
