#!/usr/bin/env bash
# make test: the linter (ruff, configured in pyproject.toml), the JVM piece's JUnit tests (Maven), unit tests (no
# services), then integration tests on the running local stack.
# pytest's exit code 5 (no test collected) is a failure here: a test run that ran nothing proves nothing.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
bash "$STACK_DIR/browser.sh" install   # the dashboard's browser test needs Debian's chromium
export PATH="$VENV/bin:$PATH" SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
"$VENV/bin/ruff" check "$ROOT" || die "ruff check found the problems above; fix them (ruff check --fix fixes some) and rerun."
if (($#)); then  # make test ARGS=...: those tests, as pytest is told
  "$PY" -m pytest -q -p no:cacheprovider "$@"
  exit
fi
bash "$STACK_DIR/jvm.sh" test
# Unit tests on both cores, a test file per worker (each worker has its own local Spark session). Then the
# integration tests: two at a time where each has its own topic, keyspace, database and checkpoint, then the
# ones marked alone (they stop the shared services, or time how processes stop), one at a time. The slowest
# are listed.
"$PY" -m pytest tests/unit -q -p no:cacheprovider -n "${TEST_WORKERS:-2}" --dist loadfile
"$PY" -m pytest tests/integration -q -p no:cacheprovider -n "${TEST_WORKERS:-2}" -m "not alone" \
  --durations=15
"$PY" -m pytest tests/integration -q -p no:cacheprovider -m alone --durations=5
