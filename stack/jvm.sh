#!/usr/bin/env bash
# The consumer's JVM piece (jvm/): the strict JSON parse and the per-profile state operator, compiled against
# the Spark of stack/versions.env into jvm/target/userprofiles-jvm.jar, then put into pyspark's jars folder like
# the Kafka connector, so that spark-submit's driver, local executors and standalone workers all load it.
#   build   build it when its sources, pom.xml or SPARK_VERSION changed since the last build (a stamp beside it),
#           and install it into pyspark (the venv must exist)
source "$(dirname "$0")/lib.sh"

JVM_DIR="$ROOT/jvm"
JAR="$JVM_DIR/target/userprofiles-jvm.jar"
STAMP="$JVM_DIR/target/.sources.sha256"

sources_sha() {
  (cd "$JVM_DIR" && find pom.xml src -type f -print0 | sort -z | xargs -0 sha256sum; echo "$SPARK_VERSION") \
    | sha256sum | cut -d' ' -f1
}

build() {
  local want
  want=$(sources_sha)
  if [ ! -f "$JAR" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then compile; echo "$want" >"$STAMP"; fi
  [ -x "$PY" ] || die "the Python environment $VENV is missing; run make venv first."
  local jars
  jars="$("$PY" -c 'import pathlib, pyspark; print(pathlib.Path(pyspark.__file__).parent / "jars")')"
  cmp -s "$JAR" "$jars/$(basename "$JAR")" || cp "$JAR" "$jars/"
}

compile() {
  command -v javac >/dev/null 2>&1 \
    || die "javac is not installed: the consumer's JVM piece needs a JDK 17 (apt-get install openjdk-17-jdk-headless), then retry."
  ensure_mvn
  log "building the consumer's JVM piece ($JAR) with Maven"
  if ! with_progress "building the JVM piece (Maven)" \
       "$MVN" -q -B -s "$STACK_DIR/maven/settings.xml" -f "$JVM_DIR/pom.xml" package -Dspark.version="$SPARK_VERSION" \
       >"$LOG_DIR/maven-jvm.log" 2>&1; then
    tail -n 20 "$LOG_DIR/maven-jvm.log" >&2
    die "building jvm/ failed (log above, full log in $LOG_DIR/maven-jvm.log); fix the error, or check the access to Maven Central, and retry."
  fi
}

case "${1:-build}" in
  build) build ;;
  *) die "usage: stack/jvm.sh build" ;;
esac
