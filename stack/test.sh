#!/usr/bin/env bash
# make test: the linter (ruff, configured in pyproject.toml), unit tests (no services), then integration tests on
# the running local stack.
# pytest's exit code 5 (no test collected) is a failure here: a test run that ran nothing proves nothing.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
bash "$STACK_DIR/browser.sh" install   # the dashboard's browser test needs Debian's chromium
export PATH="$VENV/bin:$PATH" SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
"$VENV/bin/ruff" check "$ROOT" || die "ruff check found the problems above; fix them (ruff check --fix fixes some) and rerun."
"$PY" -m pytest tests/unit tests/integration -q -p no:cacheprovider "$@"
