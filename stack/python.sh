#!/usr/bin/env bash
# The Python environment (.venv from requirements.txt) and Spark's Kafka connector jars.
source "$(dirname "$0")/lib.sh"

SPARK_JARS_DIR="$STACK_CACHE/spark-kafka-$SPARK_VERSION"

install_venv() {
  command -v python3 >/dev/null || die "python3 is not installed; install Python 3.11 (apt-get install python3-venv) and retry."
  local stamp="$VENV/.requirements.sha256" want
  want=$(sha256sum "$ROOT/requirements.txt" | cut -d' ' -f1)
  if [ -x "$PY" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then return 0; fi
  log "installing the Python environment ($VENV) from requirements.txt"
  [ -x "$PY" ] || python3 -m venv "$VENV" || die "python3 -m venv failed; install the venv module (apt-get install python3-venv) and retry."
  if ! with_progress "installing the Python packages (pip)" \
       "$PY" -m pip install -q --disable-pip-version-check -r "$ROOT/requirements.txt" >"$LOG_DIR/pip.log" 2>&1; then
    tail -n 15 "$LOG_DIR/pip.log" >&2
    die "pip install -r requirements.txt failed (log above); check access to PyPI and retry."
  fi
  echo "$want" >"$stamp"
}

# The project itself, editable (pyproject.toml): `userprofiles` imports from anywhere, with no sys.path edits.
install_project() {
  # Already installed from this checkout (asked from / so that the working folder does not answer instead).
  [ "$(cd / && "$PY" -c 'import userprofiles; print(userprofiles.__path__[0])' 2>/dev/null)" = "$ROOT/userprofiles" ] && return 0
  "$PY" -m pip install -q --disable-pip-version-check --no-deps -e "$ROOT" >"$LOG_DIR/pip-project.log" 2>&1 \
    || { tail -n 15 "$LOG_DIR/pip-project.log" >&2; die "pip install -e . failed (log above); check pyproject.toml and retry."; }
}

install_connector() {
  # Jars pyspark already ships are excluded so that one version of each is on the classpath.
  maven_fetch "$STACK_DIR/maven/spark-kafka.xml" "$SPARK_JARS_DIR" -Dspark.version="$SPARK_VERSION" \
    -DexcludeArtifactIds=lz4-java,snappy-java,zstd-jni,slf4j-api,jsr305,hadoop-client-api,hadoop-client-runtime,scala-library,spark-tags_2.13,scala-parallel-collections_2.13
  local have
  have=$("$PY" -c 'import pyspark; print(pyspark.__version__)')
  [ "$have" = "$SPARK_VERSION" ] || die "pyspark $have is installed but the connector is for $SPARK_VERSION; set the same version in requirements.txt and stack/versions.env."
  # Into Spark's own jars folder, like a Spark distribution with the connector added: spark-submit, the
  # driver, local executors and standalone workers all see it with no flag and no network.
  local home
  home="$("$PY" -c 'import pathlib, pyspark; print(pathlib.Path(pyspark.__file__).parent)')"
  # Connector jars of another version (pyspark was changed) are removed first: one version on the classpath.
  local j
  for j in "$home"/jars/spark-sql-kafka-0-10_*.jar "$home"/jars/spark-token-provider-kafka-0-10_*.jar \
           "$home"/jars/kafka-clients-*.jar "$home"/jars/commons-pool2-*.jar; do
    [ -e "$j" ] && [ ! -e "$SPARK_JARS_DIR/$(basename "$j")" ] && rm -f "$j"
  done
  cp -n "$SPARK_JARS_DIR"/*.jar "$home/jars/"
  spark_conf "$home"
}

# Spark's conf folder: quiet logging, JVM options and, on this machine (not in a container), loopback-only addresses.
spark_conf() {
  local home=${1:-$("$PY" -c 'import pathlib, pyspark; print(pathlib.Path(pyspark.__file__).parent)')}
  mkdir -p "$home/conf"
  cp "$STACK_DIR/spark-conf/log4j2.properties" "$home/conf/"
  # The consumer's JVM piece, from the checkout (stack/jvm.sh builds it): on the driver's class path and shipped
  # to the executors by spark-submit, as --jars would.
  { cat "$STACK_DIR/spark-conf/spark-defaults.conf"; printf 'spark.jars                       %s\n' "$ROOT/jvm/target/userprofiles-jvm.jar"; } \
    >"$home/conf/spark-defaults.conf"
  if [ "${SPARK_LOOPBACK_ONLY:-1}" = 1 ]; then cp "$STACK_DIR/spark-conf/spark-env.sh" "$home/conf/"
  else rm -f "$home/conf/spark-env.sh"; fi
}

# cqlsh (PyPI) in a venv of its own: it pins its own cassandra-driver, which must not move the project's.
CQLSH_HOME="$STACK_CACHE/cqlsh-$CQLSH_VERSION"
install_cqlsh() {
  [ -x "$CQLSH_HOME/bin/cqlsh" ] && return 0
  log "installing cqlsh $CQLSH_VERSION from PyPI into $CQLSH_HOME (once)"
  { python3 -m venv "$CQLSH_HOME" && with_progress "installing cqlsh (pip)" \
      "$CQLSH_HOME/bin/pip" install -q "cqlsh==$CQLSH_VERSION"; } >"$LOG_DIR/cqlsh-install.log" 2>&1 \
    || { tail -n 10 "$LOG_DIR/cqlsh-install.log" >&2; rm -rf "$CQLSH_HOME";
         die "installing cqlsh from PyPI failed (log above); check access to PyPI and retry."; }
}

# make venv: the Python side only. Without Maven (on PATH or cached) and without the connector jars in the cache,
# the connector is not installed into pyspark: build_spark (userprofiles/consumer/spark_runtime.py) then asks Spark for it
# through spark.jars.packages, which Spark resolves from Maven Central at the consumer's first start.
venv_only() {
  install_venv
  install_project
  if [ -f "$SPARK_JARS_DIR/.complete" ] || have_mvn; then
    install_connector
  else
    log "Maven is not installed: the Kafka connector is not put into pyspark's jars; spark-submit consumer_spark.py fetches org.apache.spark:spark-sql-kafka-0-10_2.13:$SPARK_VERSION from Maven Central at its first start (spark.jars.packages). 'make up' would fetch Maven itself."
    spark_conf
  fi
  install_cqlsh
}

case "${1:-install}" in
  install) install_venv; install_project; install_connector; bash "$STACK_DIR/jvm.sh" build; install_cqlsh ;;
  venv) venv_only; bash "$STACK_DIR/jvm.sh" build ;;
  # The Dockerfile's image: the venv and the connector (Maven fetched from Maven Central when absent); no cqlsh,
  # and Spark may listen beyond the loopback (SPARK_LOOPBACK_ONLY=0), as containers talk over their network.
  # The project is installed by the Dockerfile once its code is copied (install_project needs it).
  runtime) install_venv; install_connector; bash "$STACK_DIR/jvm.sh" build ;;
  project) install_project ;;
  cqlsh-path) echo "$CQLSH_HOME/bin/cqlsh" ;;
  *) die "usage: stack/python.sh install|venv|runtime|project|cqlsh-path" ;;
esac
