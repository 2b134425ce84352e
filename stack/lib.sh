# Shared helpers of the local stack scripts (sourced, not run).
# Layout: downloads are cached in $STACK_CACHE (outside the checkout, so a fresh clone on the same machine
# reuses them); data, logs and PID files live in $STACK_HOME (git-ignored, inside the checkout).
set -euo pipefail

STACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$STACK_DIR/.." && pwd)"
# shellcheck source=versions.env
source "$STACK_DIR/versions.env"

STACK_HOME="${STACK_HOME:-$ROOT/.stack}"
STACK_CACHE="${STACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/users-profiles-stack}"
DATA_DIR="$STACK_HOME/data"
LOG_DIR="$STACK_HOME/logs"
RUN_DIR="$STACK_HOME/run"
VENV="${VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
# spark-submit finds Spark through the python on PATH: the venv's comes first.
export PATH="$VENV/bin:$PATH"

# The default ports (stack/ports.env) and names (stack/names.env), which the programs read too, as
# DEFAULT_<name>; a variable of the same name set in the environment wins.
while IFS='=' read -r _name _value; do
  case "$_name" in '' | '#'*) continue ;; esac
  printf -v "DEFAULT_$_name" '%s' "$_value"
done < <(cat "$STACK_DIR/ports.env" "$STACK_DIR/names.env")
KAFKA_PORT="${KAFKA_PORT:-$DEFAULT_KAFKA_PORT}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$DEFAULT_KAFKA_CONTROLLER_PORT}"
CASSANDRA_PORT="${CASSANDRA_PORT:-$DEFAULT_CASSANDRA_PORT}"
CASSANDRA_STORAGE_PORT="${CASSANDRA_STORAGE_PORT:-$DEFAULT_CASSANDRA_STORAGE_PORT}"
CASSANDRA_JMX_PORT="${CASSANDRA_JMX_PORT:-$DEFAULT_CASSANDRA_JMX_PORT}"
MONGO_PORT="${MONGO_PORT:-$DEFAULT_MONGO_PORT}"
CASSANDRA_HEAP="${CASSANDRA_HEAP:-1G}"
KAFKA_HEAP="${KAFKA_HEAP:-512m}"
# Exported: the readiness probes (ready.py) read them.
export KAFKA_PORT CASSANDRA_PORT MONGO_PORT
# The pipeline's topics (stack/names.env), created by stack/kafka.sh (one node) or stack/cluster.sh (NODES>1).
KAFKA_TOPIC="${KAFKA_TOPIC:-$DEFAULT_KAFKA_TOPIC}"
KAFKA_PARTITIONS="${KAFKA_PARTITIONS:-$DEFAULT_KAFKA_PARTITIONS}"
KAFKA_DLQ_TOPIC="${KAFKA_DLQ_TOPIC:-$DEFAULT_KAFKA_DLQ_TOPIC}"
KAFKA_DLQ_PARTITIONS="${KAFKA_DLQ_PARTITIONS:-$DEFAULT_KAFKA_DLQ_PARTITIONS}"
KAFKA_TOPIC_RETENTION_HOURS="${KAFKA_TOPIC_RETENTION_HOURS:-$DEFAULT_KAFKA_TOPIC_RETENTION_HOURS}"
# The credentials, one env file per role (userprofiles/access/secrets.py makes them at the first make up);
# STACK_SECRETS_DIR: those of another stack's (e.g. services that another checkout or compose started).
SECRETS_DIR="${STACK_SECRETS_DIR:-$STACK_HOME/secrets}"

# --- NODES=3: a replicated cluster on this one machine (make up NODES=3). Every address and port below is
# an environment variable, so a second cluster can run beside another stack (offsets, see docs/scaling-out.md).
# NODES=1 (the default) is the single-node stack: none of these are used and nothing changes.
NODES="${NODES:-1}"
# Kafka node i (1..N): broker on 127.0.0.1:KAFKA_PORT+i-1 (9092-9094), controller on
# 127.0.0.1:KAFKA_CLUSTER_CONTROLLER_PORT+i-1 (9095-9097; every node is broker and controller, a 3-voter quorum).
KAFKA_CLUSTER_CONTROLLER_PORT="${KAFKA_CLUSTER_CONTROLLER_PORT:-$((KAFKA_PORT + 3))}"
# Cassandra node i: listen/rpc address CASSANDRA_CLUSTER_NET.(CASSANDRA_CLUSTER_FIRST+i-1) (127.0.0.1-3), the same
# CQL and storage ports on each address; JMX on 127.0.0.1 only, so CASSANDRA_JMX_PORT+i-1 (7199-7201).
CASSANDRA_CLUSTER_NET="${CASSANDRA_CLUSTER_NET:-127.0.0}"
CASSANDRA_CLUSTER_FIRST="${CASSANDRA_CLUSTER_FIRST:-1}"
# Replication: topics RF 3 with min.insync.replicas 2; keyspace NetworkTopologyStrategy RF 3 in the snitch's
# datacenter (SimpleSnitch: datacenter1).
CLUSTER_RF="${CLUSTER_RF:-3}"
CLUSTER_MIN_ISR="${CLUSTER_MIN_ISR:-2}"
CASSANDRA_DC="${CASSANDRA_DC:-datacenter1}"
if ((NODES > 1)); then
  # Heaps of a cluster node: 3 x (768M + 384m) plus off-heap stays near 5-6 GB of RSS (measured in docs/scaling-out.md).
  CASSANDRA_HEAP="${CASSANDRA_CLUSTER_HEAP:-768M}"
  KAFKA_HEAP="${KAFKA_CLUSTER_HEAP:-384m}"
fi

kafka_port_of() { echo $((KAFKA_PORT + $1 - 1)); }
kafka_controller_port_of() { echo $((KAFKA_CLUSTER_CONTROLLER_PORT + $1 - 1)); }
cassandra_address_of() { echo "$CASSANDRA_CLUSTER_NET.$((CASSANDRA_CLUSTER_FIRST + $1 - 1))"; }
cassandra_jmx_port_of() { echo $((CASSANDRA_JMX_PORT + $1 - 1)); }
# Comma lists of the cluster's client addresses: what the producer, consumer and tests are given.
kafka_bootstrap() {
  local i out=""
  for ((i = 1; i <= NODES; i++)); do out+="${out:+,}127.0.0.1:$(kafka_port_of "$i")"; done
  echo "$out"
}
cassandra_hosts() {
  local i out=""
  for ((i = 1; i <= NODES; i++)); do out+="${out:+,}$(cassandra_address_of "$i")"; done
  echo "$out"
}

# True when something listens on ADDRESS:PORT.
addr_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# Can this machine bind ADDRESS (a loopback alias)? Linux routes all of 127.0.0.0/8 to lo; other systems
# (macOS, some containers) need an alias per address.
need_bindable() {
  local addr=$1
  [ "$addr" = 127.0.0.1 ] && return 0
  python3 - "$addr" <<'PY' 2>/dev/null && return 0
import socket, sys
s = socket.socket()
s.bind((sys.argv[1], 0))
s.close()
PY
  die "this machine cannot bind $addr (a loopback alias the Cassandra cluster needs); add it with 'sudo ip addr add $addr/8 dev lo' (Linux) or 'sudo ifconfig lo0 alias $addr up' (macOS), then retry."
}

mkdir -p "$DATA_DIR" "$LOG_DIR" "$RUN_DIR" "$STACK_CACHE"

# SPARK_WORKERS=N: a Spark standalone cluster on 127.0.0.1 (stack/spark.sh). Its ports are the environment's,
# else those the running master was started with (recorded, so that status, down and submit find it), else
# stack/ports.env's; worker i's UI on SPARK_WORKER_WEBUI_PORT+i-1 (0: any free port).
if [ -f "$RUN_DIR/spark-master.ports" ] && [ -f "$RUN_DIR/spark-master.pid" ] \
   && kill -0 "$(cat "$RUN_DIR/spark-master.pid")" 2>/dev/null; then
  read -r _spark_port _spark_ui <"$RUN_DIR/spark-master.ports"
fi
SPARK_MASTER_PORT="${SPARK_MASTER_PORT:-${_spark_port:-$DEFAULT_SPARK_MASTER_PORT}}"
SPARK_MASTER_WEBUI_PORT="${SPARK_MASTER_WEBUI_PORT:-${_spark_ui:-$DEFAULT_SPARK_MASTER_WEBUI_PORT}}"
SPARK_WORKER_WEBUI_PORT="${SPARK_WORKER_WEBUI_PORT:-$DEFAULT_SPARK_WORKER_WEBUI_PORT}"
SPARK_WORKER_CORES="${SPARK_WORKER_CORES:-1}"
SPARK_WORKER_MEMORY="${SPARK_WORKER_MEMORY:-1g}"
spark_master_url() { echo "spark://127.0.0.1:$SPARK_MASTER_PORT"; }
spark_ui_url() { echo "http://127.0.0.1:$SPARK_MASTER_WEBUI_PORT/"; }

log() { printf '[stack] %s\n' "$*" >&2; }

# The terminal's stderr, kept on fd 9 so that progress lines reach the user even from a command whose
# stderr goes to a log file.
exec 9>&2

# with_progress LABEL COMMAND...: run COMMAND; every $PROGRESS_SECONDS (15) s say "still LABEL (1m20s)", and
# at the end how long it took. A cold `make up` has steps of minutes (Go build, npm, pip, Maven) that were silent.
with_progress() {
  local label=$1; shift
  local t0 rc=0 every=${PROGRESS_SECONDS:-15}
  t0=$(date +%s)
  # The ticker sleeps 1 s at a time, so that it is gone within a second of being killed; its stdout is
  # closed so that it never holds a $(...) capture open.
  ( n=0; while sleep 1; do n=$((n + 1)); if ((n % every == 0)); then
      printf '[stack] still %s (%dm%02ds)\n' "$label" $((n / 60)) $((n % 60)) >&9; fi; done ) >/dev/null 2>&1 &
  local ticker=$!
  "$@" || rc=$?
  kill "$ticker" 2>/dev/null || true
  wait "$ticker" 2>/dev/null || true
  local took=$(( $(date +%s) - t0 ))
  ((took < every)) || printf '[stack] %s took %dm%02ds\n' "$label" $((took / 60)) $((took % 60)) >&9
  return "$rc"
}
# One sentence naming the cause and the fix, then exit non-zero.
die() { printf 'stack: error: %s\n' "$*" >&2; exit 1; }

need_java17() {
  command -v java >/dev/null 2>&1 || die "Java is not installed; install OpenJDK 17 (apt-get install openjdk-17-jdk-headless) and retry."
  local v
  v=$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
  [ "${v%%.*}" -ge 17 ] 2>/dev/null || die "Java $v is too old; install OpenJDK 17 or newer and put it first on PATH (or set JAVA_HOME)."
}

# Python 3 for the download helper: the one tool (besides Java) that a fresh machine must have.
need_python3() {
  command -v python3 >/dev/null 2>&1 || die "python3 is not installed; install Python 3.11 (apt-get install python3 python3-venv) and retry."
}

# "A.B[.C]" >= "X.Y[.Z]"?
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

# MVN: the system's mvn, else Maven's binary distribution from Maven Central (pinned, checksummed, cached).
MAVEN_HOME_CACHE="$STACK_CACHE/apache-maven-$MAVEN_VERSION"
ensure_mvn() {
  if command -v mvn >/dev/null 2>&1; then MVN=mvn; return 0; fi
  MVN="$MAVEN_HOME_CACHE/bin/mvn"
  [ -x "$MVN" ] && return 0
  need_python3
  local tgz="$STACK_CACHE/downloads/apache-maven-$MAVEN_VERSION-bin.tar.gz"
  local url="https://repo.maven.apache.org/maven2/org/apache/maven/apache-maven/$MAVEN_VERSION/apache-maven-$MAVEN_VERSION-bin.tar.gz"
  log "Maven (mvn) is not on PATH: fetching apache-maven $MAVEN_VERSION from Maven Central into $MAVEN_HOME_CACHE (once)"
  python3 "$STACK_DIR/fetch.py" get "$url" "$MAVEN_SHA256" "$tgz" \
    || die "downloading Maven from Maven Central failed (message above); check the access to Maven Central, or install Maven (apt-get install maven), and retry."
  rm -rf "$MAVEN_HOME_CACHE.tmp" && mkdir -p "$MAVEN_HOME_CACHE.tmp"
  tar -xzf "$tgz" -C "$MAVEN_HOME_CACHE.tmp" --strip-components=1 \
    || die "unpacking $tgz failed; delete it and retry."
  rm -rf "$MAVEN_HOME_CACHE" && mv "$MAVEN_HOME_CACHE.tmp" "$MAVEN_HOME_CACHE"
  [ -x "$MVN" ] || die "$MVN is missing after unpacking Maven; delete $MAVEN_HOME_CACHE and retry."
}
# True when Maven is available without a download (system or cached).
have_mvn() { command -v mvn >/dev/null 2>&1 || [ -x "$MAVEN_HOME_CACHE/bin/mvn" ]; }

# GO: the system's go when it is GO_MIN or newer, else the toolchain module golang.org/toolchain from the Go
# module proxy (the download GOTOOLCHAIN makes), pinned and checksummed, cached in $STACK_CACHE.
GO_HOME_CACHE="$STACK_CACHE/$GO_TOOLCHAIN_VERSION"
go_version_of() { "$1" env GOVERSION 2>/dev/null | sed -n 's/^go\([0-9][0-9.]*\).*/\1/p'; }
ensure_go() {
  local v
  if command -v go >/dev/null 2>&1; then
    v=$(go_version_of go)
    if [ -n "$v" ] && version_ge "$v" "$GO_MIN"; then GO=go; return 0; fi
    log "the system's Go (${v:-unknown version}) is older than the $GO_MIN that FerretDB's go.mod needs"
  fi
  GO="$GO_HOME_CACHE/bin/go"
  unset GOROOT  # a GOROOT of the system's older Go would mislead the downloaded one
  [ -x "$GO" ] && return 0
  need_python3
  local arch os=linux sha
  case "$(uname -m)" in
    x86_64|amd64) arch=amd64; sha=$GO_TOOLCHAIN_SHA256_LINUX_AMD64 ;;
    aarch64|arm64) arch=arm64; sha=$GO_TOOLCHAIN_SHA256_LINUX_ARM64 ;;
    *) arch=unknown ;;
  esac
  if [ "$arch" = unknown ]; then
    # No pinned checksum for this processor: let an installed go fetch the toolchain itself (checked by sum.golang.org).
    if command -v go >/dev/null 2>&1 && GOTOOLCHAIN="$GO_TOOLCHAIN_VERSION" go version >/dev/null 2>&1; then
      export GOTOOLCHAIN="$GO_TOOLCHAIN_VERSION"; GO=go; return 0
    fi
    die "Go $GO_MIN or newer is needed to build FerretDB and no checksum is pinned for $(uname -m); install Go $GO_MIN+ (https://go.dev/dl) and retry."
  fi
  local proxy="${GOPROXY:-https://proxy.golang.org}"
  proxy="${proxy%%[,|]*}"
  case "$proxy" in direct|off|"") proxy=https://proxy.golang.org ;; esac
  local mod="v0.0.1-$GO_TOOLCHAIN_VERSION.$os-$arch"
  local zip="$STACK_CACHE/downloads/golang-toolchain-$mod.zip"
  log "fetching the Go toolchain $GO_TOOLCHAIN_VERSION (module golang.org/toolchain@$mod) from the Go module proxy into $GO_HOME_CACHE (once)"
  python3 "$STACK_DIR/fetch.py" get "$proxy/golang.org/toolchain/@v/$mod.zip" "$sha" "$zip" \
    || die "downloading the Go toolchain from $proxy failed (message above); check the access to the Go module proxy (GOPROXY), or install Go $GO_MIN+, and retry."
  rm -rf "$GO_HOME_CACHE.tmp"
  python3 "$STACK_DIR/fetch.py" unzip "$zip" "$GO_HOME_CACHE.tmp" || die "unpacking $zip failed; delete it and retry."
  rm -rf "$GO_HOME_CACHE" && mv "$GO_HOME_CACHE.tmp" "$GO_HOME_CACHE"
  v=$(go_version_of "$GO") || true
  [ "$v" = "${GO_TOOLCHAIN_VERSION#go}" ] || die "the downloaded Go toolchain does not run ($GO env GOVERSION gave '${v}'); delete $GO_HOME_CACHE and retry."
}

pidfile() { echo "$RUN_DIR/$1.pid"; }

# True when the PID file names a live process.
is_running() {
  local f; f=$(pidfile "$1")
  [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null
}

# True when something listens on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The readiness probe of a service (kafka, cassandra or mongo): its own protocol, with the venv's client, on
# the address the *_PORT variables (and CASSANDRA_HOST) name; `--version` prints the version it answers with.
probe_service() { "$PY" "$STACK_DIR/ready.py" "$@"; }

# True when the service (kafka, cassandra or mongo) answers its own protocol on its configured port,
# whoever started it (e.g. docker compose, or `make up` in another checkout). Needs the venv's clients.
# A closed port answers "no" at once (no client timeout to wait for).
answers() {
  local port
  case "$1" in kafka) port=$KAFKA_PORT ;; cassandra) port=$CASSANDRA_PORT ;; mongo) port=$MONGO_PORT ;; esac
  port_open "$port" && [ -x "$PY" ] && probe_service "$1" >/dev/null 2>&1
}

# The pipeline's topics on the brokers at BOOTSTRAP (when missing), replicated RF times, MIN_ISR in sync, the raw
# topic's retention, and the roles' ACLs on them (userprofiles/access/provision.py, as the admin).
create_pipeline_topics() {  # bootstrap, rf, min_isr
  KAFKA_TOPIC="$KAFKA_TOPIC" KAFKA_PARTITIONS="$KAFKA_PARTITIONS" KAFKA_DLQ_TOPIC="$KAFKA_DLQ_TOPIC" \
    KAFKA_DLQ_PARTITIONS="$KAFKA_DLQ_PARTITIONS" KAFKA_TOPIC_RETENTION_HOURS="$KAFKA_TOPIC_RETENTION_HOURS" \
    provision kafka "$1" "$2" "$3"
}

# The stack's credentials (once) and the steps that give them to the services.
make_secrets() { STACK_HOME="$STACK_HOME" "$PY" -m userprofiles.access.secrets make; }
provision() { (cd "$ROOT" && STACK_HOME="$STACK_HOME" "$PY" -m userprofiles.access.provision "$@"); }
# ROLE's variables exported into this shell (a role's programs then read them; never on a command line).
load_role() {
  local f="$SECRETS_DIR/$1.env"
  [ -r "$f" ] || die "$f is missing; run make up (it makes the stack's credentials) and retry."
  set -a
  # shellcheck disable=SC1090
  source "$f"
  set +a
}

# One line of a service, in the columns of every start and of `make status`: name, address, version, state.
status_line() { printf '%-10s %-16s %-8s %s\n' "$1" "$2" "$3" "$4"; }

# One status line for a service that answers but that this checkout did not start: it is used, never stopped.
external_line() {  # service, address, version
  status_line "$1" "$2" "${3:--}" "already answering (not started here): using it; 'make down' leaves it running"
}

# Refuse to start on a port someone else holds: the new service would fail later with a worse message.
need_free_port() {
  local svc=$1 port=$2
  if port_open "$port"; then
    die "port $port (for $svc) is already taken by another process; stop it (ss -ltnp 'sport = :$port' shows which) or set the port variable and retry."
  fi
}

# The same on ADDRESS:PORT (a service bound to one loopback address, e.g. a Cassandra node of the cluster).
need_free_addr() {
  local svc=$1 addr=$2 port=$3
  if addr_open "$addr" "$port"; then
    die "$addr:$port (for $svc) is already taken by another process; stop it (ss -ltnp 'sport = :$port' shows which) or set the address/port variables and retry."
  fi
}

# Start a command in the background with its own process group; record its PID.
spawn() {
  local svc=$1; shift
  local logf="$LOG_DIR/$svc.log"
  echo "=== $(date -u +%FT%TZ) start: $*" >>"$logf"
  # 9>&-: a daemon must not hold the caller's stderr (fd 9, see above) open, or whoever reads that stderr
  # to its end (make, a test's subprocess.run) waits as long as the service lives.
  setsid "$@" >>"$logf" 2>&1 < /dev/null 9>&- &
  echo $! >"$(pidfile "$svc")"
}

# Stop the process recorded in the PID file (TERM, then KILL after a grace period), nothing else.
stop_pid() {
  local svc=$1 grace=${2:-30} f pid
  f=$(pidfile "$svc")
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq "$grace"); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    if kill -0 "$pid" 2>/dev/null; then
      log "$svc did not stop in ${grace}s; killing it"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$f"
}

# Wait until CHECK (a command) succeeds, the process dies, or TIMEOUT seconds pass.
# On failure: print the log tail, stop the process, and die with the cause.
wait_ready() {
  local svc=$1 timeout=$2; shift 2
  local start=$SECONDS
  while ! "$@" >/dev/null 2>&1; do
    if ! is_running "$svc"; then
      tail -n 25 "$LOG_DIR/$svc.log" >&2 || true
      rm -f "$(pidfile "$svc")"
      die "$svc exited during start-up (log above, full log in $LOG_DIR/$svc.log); fix the cause shown there and run 'make up' again."
    fi
    if (( SECONDS - start > timeout )); then
      tail -n 25 "$LOG_DIR/$svc.log" >&2 || true
      stop_pid "$svc" 10
      die "$svc did not answer within ${timeout}s (log above, full log in $LOG_DIR/$svc.log); check memory and ports, then run 'make up' again."
    fi
    sleep 1
  done
  echo $(( SECONDS - start ))
}

# mvn dependency:copy-dependencies of a small POM into DEST (extra args: -Dversion properties), once (a marker file says it is complete).
maven_fetch() {
  local pom=$1 dest=$2; shift 2
  [ -f "$dest/.complete" ] && return 0
  ensure_mvn
  mkdir -p "$dest"
  log "downloading $(basename "$pom" .xml) dependencies from Maven Central into $dest"
  if ! with_progress "downloading $(basename "$pom" .xml) jars (Maven)" \
       "$MVN" -q -B -s "$STACK_DIR/maven/settings.xml" -f "$pom" dependency:copy-dependencies -DoutputDirectory="$dest" -DincludeScope=runtime "$@" \
       >"$LOG_DIR/maven-$(basename "$pom" .xml).log" 2>&1; then
    tail -n 15 "$LOG_DIR/maven-$(basename "$pom" .xml).log" >&2
    die "downloading $(basename "$pom" .xml) from Maven Central failed (log above); check the network access to Maven Central and retry."
  fi
  touch "$dest/.complete"
}

# --- The consumer driver's class-data-sharing archive (made by stack/cds.sh, used by stack/spark-submit.sh) ---
# Spark's home: SPARK_HOME when set (spark-submit uses it then), else the venv's pyspark.
spark_home() {
  if [ -n "${SPARK_HOME:-}" ]; then echo "$SPARK_HOME"; return; fi
  local homes=("$VENV"/lib/python3*/site-packages/pyspark)
  echo "${homes[0]}"
}
# One archive per Spark jars folder and JDK: the JVM ignores an archive whose jars or JDK changed, so a changed
# jar (a new pyspark, a rebuilt jvm/ piece) gets a new name, and make up makes it again.
cds_archive() {
  local home=$1 java="${JAVA_HOME:+$JAVA_HOME/bin/}java" key
  key=$({ "$java" -version 2>&1; ls -l --time-style=+%s "$home/jars"; } | sha256sum | cut -c1-16)
  echo "$VENV/spark-cds/driver-$key.jsa"
}
# The empty folder that stands for Spark's conf folder on the class path of a run with an archive.
cds_empty_conf() { mkdir -p "$VENV/spark-cds/empty-conf" && echo "$VENV/spark-cds/empty-conf"; }
