#!/usr/bin/env bash
# The consumer's JVM piece (jvm/): the strict JSON parse and the per-profile state operator, compiled against
# the Spark of stack/versions.env into jvm/target/userprofiles-jvm.jar. Spark loads it from there: spark.jars in
# the spark-defaults.conf that stack/python.sh gives pyspark, so that spark-submit puts it on the driver's class
# path and ships it to the executors (local ones and standalone workers alike).
#   build   build it when its sources (src/main), pom.xml or SPARK_VERSION changed since the last build (a stamp beside it)
#   test    run its JUnit tests (jvm/src/test, mvn test) on the classpath of the venv's pyspark jars folder
#   bench-utf8  time its UTF-8 check against the JDK's decoder
source "$(dirname "$0")/lib.sh"

JVM_DIR="$ROOT/jvm"
JAR="$JVM_DIR/target/userprofiles-jvm.jar"
STAMP="$JVM_DIR/target/.sources.sha256"

sources_sha() {
  (cd "$JVM_DIR" && find pom.xml src/main -type f -print0 | sort -z | xargs -0 sha256sum; echo "$SPARK_VERSION") \
    | sha256sum | cut -d' ' -f1
}

build() {
  local want
  want=$(sources_sha)
  if [ ! -f "$JAR" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then compile; echo "$want" >"$STAMP"; fi
  # A copy that an older checkout put into pyspark's jars folder would shadow this build.
  [ -x "$PY" ] || return 0
  rm -f "$("$PY" -c 'import pathlib, pyspark; print(pathlib.Path(pyspark.__file__).parent / "jars")')/$(basename "$JAR")"
}

# The versions jvm/pom.xml compiles against, as -D options: Spark's (stack/versions.env), and those of the Scala,
# Jackson and Hadoop jars that the venv's pyspark ships (what the jar runs with; none is written in the pom).
versions() {
  [ -x "$PY" ] || die "the Python environment $VENV is missing (its pyspark's jars give the versions); run make venv first."
  local jars v
  jars="$("$PY" -c 'import pathlib, pyspark; print(pathlib.Path(pyspark.__file__).parent / "jars")')"
  printf -- '-Dspark.version=%s\n' "$SPARK_VERSION"
  for v in scala:scala-library jackson:jackson-core hadoop:hadoop-client-api; do
    local f=("$jars/${v#*:}"-[0-9]*.jar)
    [ -f "${f[0]}" ] || die "pyspark's jars folder $jars has no ${v#*:} jar; reinstall the venv (make venv)."
    f=${f[0]##*/${v#*:}-}
    printf -- '-D%s.version=%s\n' "${v%%:*}" "${f%.jar}"
  done
}

compile() {
  command -v javac >/dev/null 2>&1 \
    || die "javac is not installed: the consumer's JVM piece needs a JDK 17 (apt-get install openjdk-17-jdk-headless), then retry."
  ensure_mvn
  local opts
  mapfile -t opts < <(versions)
  log "building the consumer's JVM piece ($JAR) with Maven"
  # Its JUnit tests run in make test (stack/jvm.sh test), not at every build.
  if ! with_progress "building the JVM piece (Maven)" \
       "$MVN" -q -B -s "$STACK_DIR/maven/settings.xml" -f "$JVM_DIR/pom.xml" package -DskipTests "${opts[@]}" \
       >"$LOG_DIR/maven-jvm.log" 2>&1; then
    tail -n 20 "$LOG_DIR/maven-jvm.log" >&2
    die "building jvm/ failed (log above, full log in $LOG_DIR/maven-jvm.log); fix the error, or check the access to Maven Central, and retry."
  fi
}

# The sums of surefire's reports (jvm/target/surefire-reports/TEST-*.xml): "TESTS FAILURES ERRORS SKIPPED".
test_counts() {
  local f line a n tests=0 failures=0 errors=0 skipped=0
  for f in "$JVM_DIR"/target/surefire-reports/TEST-*.xml; do
    [ -f "$f" ] || continue
    line=$(grep -m1 -o '<testsuite [^>]*>' "$f") || continue
    for a in tests failures errors skipped; do
      n=$(sed -n "s/.* $a=\"\([0-9]*\)\".*/\1/p" <<<"$line")
      printf -v "$a" '%d' $((${!a} + ${n:-0}))
    done
  done
  echo "$tests $failures $errors $skipped"
}

# mvn test, on the classpath of the venv's pyspark jars (the Spark that runs the jar; jvm/pom.xml).
run_tests() {
  command -v javac >/dev/null 2>&1 \
    || die "javac is not installed: the consumer's JVM piece needs a JDK 17 (apt-get install openjdk-17-jdk-headless), then retry."
  [ -x "$PY" ] || die "the Python environment $VENV is missing (its pyspark jars are the JVM tests' classpath); run make venv first."
  local jars log="$LOG_DIR/maven-jvm-test.log" t0 took tests failures errors skipped
  jars="$("$PY" -c 'import pathlib, pyspark; print(pathlib.Path(pyspark.__file__).parent / "jars")')"
  ensure_mvn
  local opts
  mapfile -t opts < <(versions)
  rm -rf "$JVM_DIR/target/surefire-reports"
  t0=$(date +%s)
  if ! with_progress "testing the JVM piece (Maven)" \
       "$MVN" -q -B -s "$STACK_DIR/maven/settings.xml" -f "$JVM_DIR/pom.xml" test "${opts[@]}" \
       -Dspark.jars.dir="$jars" -Dspark.jars.required=true >"$log" 2>&1; then
    # The log's end without Maven's advice and the stack frames: the failed tests and their messages.
    sed -e '/^\[ERROR\] -> \[Help 1\]/,$d' -e '/^\[ERROR\] *$/d' -e '/^[[:space:]]*at /d' "$log" | tail -n 25 >&2
    read -r tests failures errors skipped <<<"$(test_counts)"
    die "the JVM tests failed ($failures failed, $errors in error, of $tests run; log above, full log in $log); fix the code or the test (or check the access to Maven Central) and retry."
  fi
  took=$(($(date +%s) - t0))
  read -r tests failures errors skipped <<<"$(test_counts)"
  ((tests > 0)) || die "Maven ran no JVM test (no report in $JVM_DIR/target/surefire-reports); see $log."
  echo "JVM tests: $tests run, $((tests - skipped)) passed, $skipped skipped (@Disabled), in ${took}s (log: $log)"
}

# The UTF-8 check, hand-written against the JDK's decoder (jvm/src/test/.../Utf8Bench.java), on 100,000 messages
# of the synthetic source (seed 1): ns per message each. Run it with nothing else on the machine.
bench_utf8() {
  [ -x "$PY" ] || die "the Python environment $VENV is missing; run make venv first."
  local jars opts msgs="$LOG_DIR/utf8-bench-messages.jsonl"
  jars="$("$PY" -c 'import pathlib, pyspark; print(pathlib.Path(pyspark.__file__).parent / "jars")')"
  ensure_mvn
  mapfile -t opts < <(versions)
  "$MVN" -q -B -s "$STACK_DIR/maven/settings.xml" -f "$JVM_DIR/pom.xml" test-compile "${opts[@]}" \
    -Dspark.jars.dir="$jars" >"$LOG_DIR/maven-jvm-bench.log" 2>&1 \
    || die "compiling the JVM bench failed (log in $LOG_DIR/maven-jvm-bench.log); fix the error and retry."
  (cd "$ROOT" && "$PY" -c 'import itertools, sys
from userprofiles.producer.sources import synthetic_pages
pages = synthetic_pages(1000, seed="1")
for page in itertools.islice(pages, 100):
    for m in page:
        sys.stdout.buffer.write(m[1] + b"\n")') >"$msgs"
  java -cp "$JVM_DIR/target/classes:$JVM_DIR/target/test-classes" userprofiles.jvm.Utf8Bench "$msgs" "${ROUNDS:-30}"
}

case "${1:-build}" in
  build) build ;;
  test) run_tests ;;
  bench-utf8) bench_utf8 ;;
  *) die "usage: stack/jvm.sh build|test|bench-utf8" ;;
esac
