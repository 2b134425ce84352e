#!/usr/bin/env bash
# make test: the local stack up, the linter (ruff, configured in pyproject.toml), unit tests (no services), then
# integration tests on the running local stack.
# pytest's exit code 5 (no test collected) is a failure here: a test run that ran nothing proves nothing.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
# The consumer's class-data-sharing archive (~40 s, once per venv) is made beside the unit tests, which
# leave most of the 2 cores idle, and waited for before the integration tests start consumers.
CDS_BUILD=later bash "$STACK_DIR/stack.sh" up
bash "$STACK_DIR/browser.sh" install   # the dashboard's browser test needs Debian's chromium
export PATH="$VENV/bin:$PATH" SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
"$VENV/bin/ruff" check "$ROOT" || die "ruff check found the problems above; fix them (ruff check --fix fixes some) and rerun."
if (($#)); then  # make test ARGS=...: those tests, as pytest is told
  bash "$STACK_DIR/cds.sh" build
  "$PY" -m pytest -q -p no:cacheprovider "$@"
  exit
fi
# Unit tests on both cores, a test file per worker (each worker has its own local Spark session). Then the
# integration tests: two at a time where each has its own topic, keyspace, database and checkpoint, then the
# ones marked alone (they stop the shared services, or time how processes stop), one at a time. The slowest
# are listed.
cds_log="$LOG_DIR/cds-build.log"
bash "$STACK_DIR/cds.sh" build >"$cds_log" 2>&1 &
cds_build=$!
unit_rc=0
"$PY" -m pytest tests/unit -q -p no:cacheprovider -n "${TEST_WORKERS:-2}" --dist loadfile || unit_rc=$?
wait "$cds_build" || true  # without an archive the consumers start ~5 s slower; cds.sh said why
cat "$cds_log" >&2
((unit_rc == 0)) || exit "$unit_rc"
"$PY" -m pytest tests/integration -q -p no:cacheprovider -n "${TEST_WORKERS:-2}" -m "not alone" \
  --durations=15
"$PY" -m pytest tests/integration -q -p no:cacheprovider -m alone --durations=5
