#!/usr/bin/env bash
# The browser of the dashboard's test: Debian's chromium and its driver (selenium drives them; nothing
# downloads a browser of its own).
# Usage: stack/browser.sh install
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CHROMIUM=/usr/bin/chromium
CHROMEDRIVER=/usr/bin/chromedriver

install() {
  [ -x "$CHROMIUM" ] && [ -x "$CHROMEDRIVER" ] && return 0
  command -v apt-get >/dev/null 2>&1 \
    || die "chromium and chromium-driver are missing and there is no apt-get here; install Debian's (or your distribution's) chromium and its chromedriver, then retry."
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo -n"
  log "installing chromium and chromium-driver from Debian's packages (once, for the dashboard's browser test)"
  # The package lists may be missing or stale on a fresh machine: update them once when the install fails.
  if ! with_progress "installing chromium (apt-get)" $sudo env DEBIAN_FRONTEND=noninteractive \
         apt-get install -y -q --no-install-recommends chromium chromium-driver >"$LOG_DIR/browser-install.log" 2>&1; then
    with_progress "updating the package lists (apt-get update)" $sudo apt-get update -q >>"$LOG_DIR/browser-install.log" 2>&1 || true
    with_progress "installing chromium (apt-get)" $sudo env DEBIAN_FRONTEND=noninteractive \
         apt-get install -y -q --no-install-recommends chromium chromium-driver >>"$LOG_DIR/browser-install.log" 2>&1 \
      || { tail -n 15 "$LOG_DIR/browser-install.log" >&2
           die "apt-get install chromium chromium-driver failed (log above); install them as root and retry."; }
  fi
}

case "${1:-}" in
  install) install ;;
  *) die "usage: stack/browser.sh install" ;;
esac
