#!/usr/bin/env bash
# FerretDB (MongoDB wire protocol) with its SQLite backend on 127.0.0.1:$MONGO_PORT, plus the mongosh shell.
# Usage: stack/ferretdb.sh install | start | stop | status | mongosh-path
#
# install       build FerretDB $FERRETDB_VERSION from its Go module (once; with the system's Go when it is $GO_MIN or
#               newer, else with the Go toolchain module fetched from the Go module proxy) and, when npm is
#               there, npm-install mongosh $MONGOSH_VERSION (once; optional)
# start         start FerretDB (data in $DATA_DIR/ferretdb) and wait until it answers a MongoDB ping
# stop          stop the FerretDB process started by this script
# status        one line: running/stopped
# mongosh-path  print the path of the cached mongosh executable
# mongosh ARGS  run mongosh (installing it first when npm is there), or say how to get it
#
# The released `go install .../cmd/ferretdb@vX` binary panics at start because build/version/version.txt is
# generated in the FerretDB repository and absent from the module zip, so the module is copied into a writable
# directory, version.txt is written, and the binary is built there (no build tags: a non-debug build, SQLite
# backend included, pure Go, no cgo).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FERRETDB_HOME="$STACK_CACHE/ferretdb-$FERRETDB_VERSION-$FERRETDB_PATCH"
FERRETDB_BIN="$FERRETDB_HOME/ferretdb"
FERRETDB_MODULE="github.com/FerretDB/FerretDB"
FERRETDB_DATA="$DATA_DIR/ferretdb"
FERRETDB_ADDR="127.0.0.1:$MONGO_PORT"
MONGOSH_HOME="$STACK_CACHE/mongosh-$MONGOSH_VERSION"
MONGOSH_BIN="$MONGOSH_HOME/node_modules/.bin/mongosh"
export MONGO_PORT  # read by ready.py

# FerretDB v1.24's SQLite backend indexes _id as `_ferretdb_sjson->"_id"` but looks it up as
# `_ferretdb_sjson->'$._id'`; SQLite only uses an index for the same expression, so every find, update and
# delete by _id scanned the whole collection (43 ms per lookup at 30,000 documents, growing with them).
# Look it up with the index's expression; the values compared are the same.
patch_id_lookups() {
  local f="$1/internal/backends/sqlite/metadata/metadata.go"
  grep -q "IDColumn = DefaultColumn + \"->'\$._id'\"" "$f" \
    || die "FerretDB's $f no longer has the _id expression this project patches; check FERRETDB_VERSION/FERRETDB_PATCH in stack/versions.env."
  sed -i "s|IDColumn = DefaultColumn + \"->'\$._id'\"|IDColumn = DefaultColumn + \"->\\\\\"_id\\\\\"\"|" "$f"
  grep -q 'IDColumn = DefaultColumn + "->\\"_id\\""' "$f" || die "patching FerretDB's _id lookups failed in $f."
}

install_ferretdb() {
  [ -x "$FERRETDB_BIN" ] && return 0
  ensure_go
  local blog="$LOG_DIR/ferretdb-build.log" json dir src="$FERRETDB_HOME/src"
  log "building FerretDB $FERRETDB_VERSION from the Go module proxy into $FERRETDB_HOME (a few minutes, once)"
  mkdir -p "$FERRETDB_HOME"
  : >"$blog"
  # Outside any module, so the project's own go.mod (if any) does not interfere.
  # GOTOOLCHAIN=local: the Go chosen above builds; FerretDB's go.mod "toolchain" line must not trigger another download.
  if ! json=$(cd "$FERRETDB_HOME" && with_progress "downloading FerretDB's Go modules" \
                 env GOTOOLCHAIN="${GOTOOLCHAIN:-local}" GOFLAGS=-mod=mod "$GO" mod download -json "$FERRETDB_MODULE@$FERRETDB_VERSION" 2>>"$blog"); then
    printf '%s\n' "$json" >>"$blog"
    tail -n 15 "$blog" >&2
    die "downloading $FERRETDB_MODULE@$FERRETDB_VERSION failed (log above, full log in $blog); check the access to the Go module proxy (go env GOPROXY) and retry."
  fi
  dir=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  [ -n "$dir" ] && [ -d "$dir" ] || die "go mod download did not report the FerretDB module directory (got: $json); clear it with 'go clean -modcache' and retry."
  rm -rf "$src"
  cp -R "$dir" "$src"
  chmod -R u+w "$src"
  patch_id_lookups "$src"
  printf '%s\n' "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  printf '%s\n' "local" >"$src/build/version/package.txt"
  if ! (cd "$src" && with_progress "building FerretDB (go build)" \
          env CGO_ENABLED=0 GOTOOLCHAIN="${GOTOOLCHAIN:-local}" GOFLAGS=-buildvcs=false "$GO" build -trimpath -o "$FERRETDB_BIN.tmp" ./cmd/ferretdb) >>"$blog" 2>&1; then
    tail -n 15 "$blog" >&2
    rm -f "$FERRETDB_BIN.tmp"
    die "building FerretDB failed (log above, full log in $blog); check the Go version (go version, FerretDB needs 1.24 or newer) and the access to the Go module proxy, then retry."
  fi
  if ! "$FERRETDB_BIN.tmp" --version >>"$blog" 2>&1; then
    tail -n 15 "$blog" >&2
    rm -f "$FERRETDB_BIN.tmp"
    die "the freshly built FerretDB binary does not run (log above, full log in $blog); remove $FERRETDB_HOME and retry."
  fi
  mv -f "$FERRETDB_BIN.tmp" "$FERRETDB_BIN"
  rm -rf "$src"
  log "FerretDB $FERRETDB_VERSION built: $FERRETDB_BIN"
}

install_mongosh() {
  [ -f "$MONGOSH_HOME/.complete" ] && [ -x "$MONGOSH_BIN" ] && return 0
  if ! command -v npm >/dev/null 2>&1; then
    # The MongoDB shell is optional: the pipeline, the tests and `make run` do not use it.
    [ -n "${MONGOSH_ON_DEMAND:-}" ] || log "npm is not installed: mongosh (optional) skipped; 'make mongosh' says how to get it"
    return 0
  fi
  local nlog="$LOG_DIR/mongosh-install.log"
  log "installing mongosh $MONGOSH_VERSION from npm into $MONGOSH_HOME (once)"
  mkdir -p "$MONGOSH_HOME"
  if ! with_progress "installing mongosh (npm)" \
       npm install --prefix "$MONGOSH_HOME" --no-audit --no-fund --loglevel=error "mongosh@$MONGOSH_VERSION" >"$nlog" 2>&1; then
    tail -n 15 "$nlog" >&2
    die "npm install of mongosh@$MONGOSH_VERSION failed (log above, full log in $nlog); check the access to the npm registry and the Node.js version (mongosh 2 needs Node 16.15 or newer), then retry."
  fi
  "$MONGOSH_BIN" --version >>"$nlog" 2>&1 || die "mongosh was installed but does not run ($nlog); remove $MONGOSH_HOME and retry."
  touch "$MONGOSH_HOME/.complete"
}

ready() { probe_service mongo "$@"; }

line() { status_line ferretdb "$1" "$FERRETDB_VERSION" "$2"; }  # address, state

# The --listen-addr of the FerretDB process recorded in the PID file.
running_addr() {
  tr '\0' '\n' <"/proc/$(cat "$(pidfile ferretdb)")/cmdline" 2>/dev/null | sed -n 's/^--listen-addr=//p'
}

start() {
  [ -x "$PY" ] || die "the Python environment $VENV is missing (its pymongo is the readiness probe); create it (python3 -m venv .venv && .venv/bin/pip install -r requirements.txt) and retry."
  local secs
  if is_running ferretdb; then
    # Already started by us (maybe still starting): wait for it instead of starting a second one.
    local addr; addr=$(running_addr)
    [ "$addr" = "$FERRETDB_ADDR" ] || die "ferretdb is already running on ${addr:-another address} (pid $(cat "$(pidfile ferretdb)")), not on $FERRETDB_ADDR; run 'stack/ferretdb.sh stop' first or use the same MONGO_PORT."
    secs=$(wait_ready ferretdb 60 ready)
  elif answers mongo; then
    # A MongoDB server (docker compose's mongo, or the stack of another checkout) already answers: use it.
    provision mongo || die "making the users on the MongoDB server at $FERRETDB_ADDR failed (error above)."
    external_line ferretdb "$FERRETDB_ADDR" "$(ready --version 2>/dev/null)"
    return 0
  else
    make_secrets || exit 1   # a service started alone (stack/<svc>.sh start) gets them too
    install_ferretdb
    need_free_port ferretdb "$MONGO_PORT"
    mkdir -p "$FERRETDB_DATA"
    # Every client logs in (SCRAM; FerretDB's "new authentication", experimental in v1.24, holds for every
    # command the pipeline and the dashboard use). At the first start FerretDB makes the admin user from the
    # FERRETDB_SETUP_* variables (in its environment, not on its command line); provision.py makes the others.
    local pw
    pw=$(sed -n 's/^MONGO_PASSWORD=//p' "$SECRETS_DIR/admin.env")
    [ -n "$pw" ] || die "$SECRETS_DIR/admin.env has no MONGO_PASSWORD; make clean, then make up."
    FERRETDB_TEST_ENABLE_NEW_AUTH=true FERRETDB_SETUP_DATABASE=admin FERRETDB_SETUP_USERNAME=admin \
      FERRETDB_SETUP_PASSWORD="$pw" spawn ferretdb "$FERRETDB_BIN" \
      --listen-addr="$FERRETDB_ADDR" \
      --handler=sqlite \
      --sqlite-url="file:$FERRETDB_DATA/" \
      --state-dir="$FERRETDB_DATA" \
      --debug-addr=- \
      --log-level=error \
      --telemetry=disable
    secs=$(wait_ready ferretdb 60 ready)
  fi
  provision mongo || die "making FerretDB's users failed (error above); see $LOG_DIR/ferretdb.log."
  line "$FERRETDB_ADDR" "ready in ${secs}s"
}

status() {
  local state addr=$FERRETDB_ADDR
  if is_running ferretdb; then
    addr=$(running_addr); addr=${addr:-$FERRETDB_ADDR}
    if [ -x "$PY" ] && ready 2>/dev/null; then state="running (pid $(cat "$(pidfile ferretdb)"))"
    else state="starting or not answering (pid $(cat "$(pidfile ferretdb)"))"; fi
  elif answers mongo; then
    state="answering, not started here"
  else
    state="stopped"
  fi
  line "$addr" "$state"
}

case "${1:-}" in
  install) install_ferretdb; install_mongosh ;;
  start) start ;;
  stop) stop_pid ferretdb ;;
  status) status ;;
  mongosh-path)
    [ -x "$MONGOSH_BIN" ] || die "mongosh is not installed; run 'stack/ferretdb.sh install' and retry."
    echo "$MONGOSH_BIN" ;;
  mongosh)
    shift
    MONGOSH_ON_DEMAND=1 install_mongosh
    if [ ! -x "$MONGOSH_BIN" ]; then
      die "mongosh (optional) needs Node.js and npm, which are not installed: install them (apt-get install nodejs npm) and run 'make mongosh' again, which then fetches mongosh $MONGOSH_VERSION from npm; without them, query with pymongo: stack/role.sh dashboard .venv/bin/python -c \"import os, pymongo; print(list(pymongo.MongoClient(port=$MONGO_PORT, username=os.environ['MONGO_USERNAME'], password=os.environ['MONGO_PASSWORD']).users_profiles_analytics.by_nationality.find()))\""
    fi
    exec "$MONGOSH_BIN" "$@" ;;
  *) die "usage: stack/ferretdb.sh install|start|stop|status|mongosh-path|mongosh [ARGS]" ;;
esac
