#!/usr/bin/env bash
# The install steps of the project image (Dockerfile: one RUN per step), kept in a script so that a test can
# run the very same commands on a machine without Docker, into a scratch prefix (tests/integration/test_fresh_setup.py).
#   system   a Java 17 JDK (the consumer's JVM piece is compiled in the python step) and ps, which Spark's
#            scripts use, from Debian's packages.
#            APT_SIMULATE=1: `apt-get install --simulate`, which resolves the packages without installing them.
#   python   the venv ($VENV) from requirements.txt, Spark's Kafka connector put into pyspark's jars folder and
#            the JVM piece built from jvm/ (stack/python.sh runtime: Maven is fetched from Maven Central when
#            there is none), then the
#            download caches are removed (IMAGE_CLEANUP=1, the Dockerfile's setting).
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
SYSTEM_PACKAGES="openjdk-17-jdk-headless procps"

step_system() {
  if [ "${APT_SIMULATE:-0}" = 1 ]; then
    # Package lists are needed to resolve anything; a machine that never ran apt-get update has none.
    apt-cache policy openjdk-17-jdk-headless 2>/dev/null | grep -q 'Candidate: [0-9]' || apt-get update -qq
    apt-get install --simulate --no-install-recommends $SYSTEM_PACKAGES >/dev/null
    return
  fi
  apt-get update
  apt-get install -y --no-install-recommends $SYSTEM_PACKAGES
  rm -rf /var/lib/apt/lists/*
  java -version
}

step_python() {
  : "${VENV:?set VENV, the venv path (/opt/venv in the image)}" "${STACK_CACHE:?set STACK_CACHE}"
  SPARK_LOOPBACK_ONLY=0 bash "$HERE/stack/python.sh" runtime
  "$VENV/bin/python" -c 'import pyspark, confluent_kafka, cassandra, pymongo; print("pyspark", pyspark.__version__)'
  if [ "${IMAGE_CLEANUP:-0}" = 1 ]; then
    rm -rf "$STACK_CACHE" "$HOME/.m2" "$HOME/.cache/pip"
  fi
}

# The project itself (pip install -e .), once its code is in the image.
step_project() {
  : "${VENV:?set VENV, the venv path (/opt/venv in the image)}"
  bash "$HERE/stack/python.sh" project
  (cd / && "$VENV/bin/python" -c 'import userprofiles.config.options')
}

for step in "$@"; do
  case "$step" in
    system) step_system ;;
    python) step_python ;;
    project) step_project ;;
    *) echo "usage: docker/install.sh system|python|project ..." >&2; exit 2 ;;
  esac
done
