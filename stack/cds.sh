#!/usr/bin/env bash
# The consumer driver's class-data-sharing archive, used by stack/spark-submit.sh:
#   build   make it when this Spark and JDK have none yet (one short consumer run on scratch names, ~40 s,
#           once per venv and jar set; the services must answer); a failure is reported and leaves none.
#   path    print where it is (or would be).
source "$(dirname "$0")/lib.sh"
archive="$(cds_archive "$(spark_home)")"
case "${1:-}" in
  path) echo "$archive" ;;
  build)
    [ -r "$archive" ] && exit 0
    # With a conf folder of the user's, stack/spark-submit.sh runs plain spark-submit: no archive to make.
    [ -z "${SPARK_CONF_DIR:-}" ] || exit 0
    t0=$SECONDS
    log "making the consumer's class-data-sharing archive (once for this Spark and JDK; it takes ~5 s off each consumer start)"
    if "$PY" "$STACK_DIR/cds_training.py" "$archive"; then
      # Archives of earlier jar sets (the JVM piece rebuilt, another Spark) are never used again: ~200 MB each.
      find "$(dirname "$archive")" -maxdepth 1 -name 'driver-*.jsa' ! -name "$(basename "$archive")" -delete
      log "class-data-sharing archive made in $((SECONDS - t0))s: $archive"
    else
      log "no class-data-sharing archive (reason above): the consumer starts without one, ~5 s slower"
    fi
    ;;
  *) die "usage: stack/cds.sh build | path" ;;
esac
