#!/usr/bin/env bash
# Tools fetched from the package registries when the system lacks them; each prints what it got.
#   go              a Go of GO_MIN or newer: the system's, else the toolchain module from the Go module proxy
#   mvn             a Maven: the system's, else apache-maven from Maven Central
#   compose-schema  the Compose Specification's JSON schema (schema/compose-spec.json of the compose-go module
#                   COMPOSE_GO_VERSION, from the Go module proxy; pinned checksum; cached), for the tests
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

compose_schema() {
  local out="$STACK_CACHE/compose-go-$COMPOSE_GO_VERSION/compose-spec.json"
  if [ ! -f "$out" ]; then
    need_python3
    local proxy="${GOPROXY:-https://proxy.golang.org}"
    proxy="${proxy%%[,|]*}"
    case "$proxy" in direct|off|"") proxy=https://proxy.golang.org ;; esac
    local zip="$STACK_CACHE/downloads/compose-go-$COMPOSE_GO_VERSION.zip"
    python3 "$STACK_DIR/fetch.py" get "$proxy/github.com/compose-spec/compose-go/v2/@v/$COMPOSE_GO_VERSION.zip" \
      "$COMPOSE_GO_SHA256" "$zip" \
      || die "downloading the compose-go module from $proxy failed (message above); check the access to the Go module proxy and retry."
    python3 "$STACK_DIR/fetch.py" unzip "$zip" "$(dirname "$out")" schema/compose-spec.json \
      || die "extracting schema/compose-spec.json from $zip failed; delete it and retry."
    mv "$(dirname "$out")/schema/compose-spec.json" "$out" && rmdir "$(dirname "$out")/schema"
  fi
  echo "$out"
}

case "${1:-}" in
  go) ensure_go; echo "$GO" ;;
  mvn) ensure_mvn; echo "$MVN" ;;
  compose-schema) compose_schema ;;
  *) die "usage: stack/tools.sh go|mvn|compose-schema" ;;
esac
