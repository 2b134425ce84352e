#!/usr/bin/env bash
# make fresh-check: does a fresh machine really suffice? A clean Debian 12 root filesystem (debootstrap from
# Debian's packages), only the root prerequisites of README.md installed in it (ROOT_PACKAGES below: no Go,
# no Maven, no Node), the project copied in, and `make run` run there in a chroot until rows land in
# Cassandra (then Ctrl-C, as a user would). Prints the times; stops what it started; deletes the root
# filesystem (FRESH_KEEP=1 keeps it).
#
# Slow (downloads and builds everything: Debian base, Java, pip, Maven and its jars, the Go toolchain and
# FerretDB's build), hence not part of `make test`/CI. Needs root (debootstrap, mount, chroot).
# The chroot shares this machine's network, so its services use other ports (FRESH_PORT_OFFSET, default
# +10000: Kafka 19092, Cassandra 19042, FerretDB 37017) and never touch a stack already running here.
# Env: FRESH_DIR (/var/tmp/users-profiles-fresh), FRESH_MIRROR (http://deb.debian.org/debian),
#      FRESH_PORT_OFFSET (10000), FRESH_KEEP (0), FRESH_TARGET (run; or up), FRESH_ROWS_TIMEOUT (900 s).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

# What still needs root on a fresh machine: the README gives the same list as one command (a test checks it).
ROOT_PACKAGES="make python3 python3-venv openjdk-17-jdk-headless ca-certificates"

FRESH_DIR="${FRESH_DIR:-/var/tmp/users-profiles-fresh}"
MIRROR="${FRESH_MIRROR:-http://deb.debian.org/debian}"
OFF="${FRESH_PORT_OFFSET:-10000}"
TARGET="${FRESH_TARGET:-run}"
ROWS_TIMEOUT="${FRESH_ROWS_TIMEOUT:-900}"
BASE_TAR="$FRESH_DIR/debian12-minbase.tar"   # debootstrap's result, reused by later runs (it has no project tool)
R="$FRESH_DIR/rootfs"

say() { printf '[fresh-check] %s\n' "$*" >&2; }
die() { printf 'fresh-check: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, mount and chroot); run it as root."
mkdir -p "$FRESH_DIR"
t_start=$SECONDS

mounted=()
cleanup() {
  set +e
  if [ -x "$R/usr/bin/make" ] && [ -d "$R/root/project" ]; then
    chroot "$R" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "${PORTS[@]}" \
      make -C /root/project down >/dev/null 2>&1
  fi
  local i
  for ((i=${#mounted[@]}-1; i>=0; i--)); do umount -R "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}"; done
  if [ "${FRESH_KEEP:-0}" != 1 ] && [ -d "$R" ]; then
    # Only after every mount is gone: never delete through a bind mount.
    if ! grep -q " $R[/ ]" /proc/mounts; then rm -rf "$R"; fi
  fi
}
# The stack's ports (stack/ports.env), each moved by OFF.
PORTS=()
while IFS='=' read -r name port; do
  case "$name" in KAFKA_PORT | KAFKA_CONTROLLER_PORT | CASSANDRA_* | MONGO_PORT | DASHBOARD_PORT | SPARK_UI_PORT) PORTS+=("$name=$((port + OFF))") ;; esac
done <"$ROOT/stack/ports.env"
trap cleanup EXIT

# 1. A minimal Debian 12 (cached as a tar: the base system only, no project tool in it).
if [ ! -f "$BASE_TAR" ]; then
  command -v debootstrap >/dev/null || { say "installing debootstrap (apt-get)"; apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
  say "debootstrap --variant=minbase bookworm from $MIRROR"
  t=$SECONDS
  rm -rf "$FRESH_DIR/base"
  debootstrap --variant=minbase bookworm "$FRESH_DIR/base" "$MIRROR" >"$FRESH_DIR/debootstrap.log" 2>&1 \
    || { tail -n 20 "$FRESH_DIR/debootstrap.log" >&2; die "debootstrap failed (log above)."; }
  tar -C "$FRESH_DIR/base" -cf "$BASE_TAR.part" . && mv "$BASE_TAR.part" "$BASE_TAR"
  rm -rf "$FRESH_DIR/base"
  say "debootstrap done in $((SECONDS - t))s"
fi
rm -rf "$R" && mkdir -p "$R"
tar -C "$R" -xf "$BASE_TAR"

# The root filesystem is a mount point of its own, as on a machine: otherwise /proc/self/mounts shows no
# mount for "/" inside the chroot, and Java cannot tell the file store of a path (Cassandra's disk check).
mount --bind "$R" "$R" && mounted+=("$R")
for m in proc sys dev; do mkdir -p "$R/$m"; done
mount -t proc proc "$R/proc" && mounted+=("$R/proc")
mount -t sysfs sysfs "$R/sys" && mounted+=("$R/sys")
mount --rbind /dev "$R/dev" && mount --make-rslave "$R/dev" && mounted+=("$R/dev")
cp -L /etc/resolv.conf "$R/etc/resolv.conf"

in_chroot() {
  chroot "$R" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

# Local certificate authorities of this machine (e.g. a TLS-inspecting egress proxy): a fresh machine on this
# network would have them too. Copied before ca-certificates and Java are installed, so that both the system
# bundle and Java's truststore include them. (Nothing of the project's is copied.)
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  mkdir -p "$R/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$R/usr/local/share/ca-certificates/"
fi

# 2. The README's root prerequisites, and nothing else.
say "apt-get install $ROOT_PACKAGES (in the chroot)"
t=$SECONDS
in_chroot sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends $ROOT_PACKAGES && update-ca-certificates" \
  >"$FRESH_DIR/apt.log" 2>&1 || { tail -n 20 "$FRESH_DIR/apt.log" >&2; die "apt-get in the chroot failed (log above)."; }
t_apt=$((SECONDS - t))
for tool in go mvn node npm; do
  ! in_chroot sh -c "command -v $tool" >/dev/null || die "$tool is present in the fresh root filesystem; it should not be."
done

# 3. The project, as committed plus the working tree's changes (not .venv, .stack or other ignored files).
mkdir -p "$R/root/project"
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - --ignore-failed-read 2>/dev/null) \
  | tar -C "$R/root/project" -xf -

# chroot_programs: the pids of make run's programs (producer, consumer, dashboard) still running in the chroot.
chroot_programs() {
  local d
  for d in /proc/[0-9]*; do
    [ "$(readlink "$d/root" 2>/dev/null)" = "$R" ] || continue
    tr '\0' ' ' <"$d/cmdline" 2>/dev/null | grep -qE 'producer\.py|consumer_spark\.py|observe\.dashboard' \
      && echo "${d#/proc/}"
  done
}

# rows_landed: the count of rows `make status` reads in Cassandra (0 when it cannot say).
rows_landed() {
  in_chroot "${PORTS[@]}" make -s -C /root/project status 2>/dev/null \
    | sed -n 's/.*users_profiles: \([0-9][0-9,]*\) rows.*/\1/p' | tr -d , | head -n 1 | grep . || echo 0
}

# 4. `make run` (or FRESH_TARGET) there, timed: `make run` until its first rows are in Cassandra, then SIGTERM to
# its process group, which stack/run.sh handles as Ctrl-C (a background job of a script ignores SIGINT itself).
say "make $TARGET in the chroot (ports ${PORTS[*]})"
t=$SECONDS
set +e
if [ "$TARGET" = run ]; then
  setsid chroot "$R" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 "${PORTS[@]}" make -C /root/project run >"$FRESH_DIR/make.log" 2>&1 &
  run_pid=$!
  rows=0 t_rows="" rc=0
  while kill -0 "$run_pid" 2>/dev/null && ((SECONDS - t < ROWS_TIMEOUT)); do
    sleep 10
    rows=$(rows_landed)
    if ((rows > 0)); then t_rows=$((SECONDS - t)); break; fi
  done
  t_up=$(sed -n 's/.*stack up in \([0-9]*\)s.*/\1/p' "$FRESH_DIR/make.log" | head -n 1)
  kill -TERM -- "-$run_pid" 2>/dev/null
  t_stop=$SECONDS
  for _ in $(seq 90); do kill -0 "$run_pid" 2>/dev/null || break; sleep 1; done
  if kill -0 "$run_pid" 2>/dev/null; then
    say "make run still runs 90 s after SIGTERM: killed"; kill -KILL -- "-$run_pid" 2>/dev/null; rc=1
  fi
  # make itself ends by the signal (143), as it does on Ctrl-C (130): what counts is that everything ended.
  wait "$run_pid"; case $? in 0 | 130 | 143) ;; *) rc=1 ;; esac
  # make ends by the signal at once; run.sh then stops the programs: wait for the last of them to be gone.
  for _ in $(seq 60); do [ -z "$(chroot_programs)" ] && break; sleep 1; done
  t_stop=$((SECONDS - t_stop))
  left=$(chroot_programs)
  if [ -n "$left" ]; then
    say "still running 60 s after make run ended: $left"; rc=1
    for pid in $left; do kill -KILL "$pid" 2>/dev/null; done
  fi
  tail -n 15 "$FRESH_DIR/make.log"
  [ -n "$t_rows" ] || { say "make run's log: $FRESH_DIR/make.log"; rc=1; }
else
  in_chroot "${PORTS[@]}" make -C /root/project "$TARGET" 2>&1 | tee "$FRESH_DIR/make.log"
  rc=${PIPESTATUS[0]}
fi
set -e
t_make=$((SECONDS - t))
status=$(in_chroot "${PORTS[@]}" make -s -C /root/project status 2>&1 || true)
printf '%s\n' "$status"
if [ "$TARGET" = run ]; then
  say "times: debian base + apt-get ${t_apt}s for the prerequisites; make run: its services up after ${t_up:-?}s" \
      "(installs and builds included), first rows in Cassandra after ${t_rows:-never}s, stopped in ${t_stop}s;" \
      "total $((SECONDS - t_start))s"
  [ "$rc" = 0 ] || die "make run did not end cleanly on SIGTERM (exit $rc; log $FRESH_DIR/make.log)."
  [ -n "$t_rows" ] || die "make run wrote no row within ${ROWS_TIMEOUT}s in the fresh root filesystem (log $FRESH_DIR/make.log)."
else
  say "times: debian base + apt-get ${t_apt}s for the prerequisites; make $TARGET ${t_make}s; total $((SECONDS - t_start))s"
  [ "$rc" = 0 ] || die "make $TARGET failed in the fresh root filesystem (exit $rc; log $FRESH_DIR/make.log)."
fi
if [ "$TARGET" = up ]; then
  n=$(grep -cE ' (up|running) \(pid ' <<<"$status" || true)
  [ "$n" = 3 ] || die "make up finished but 'make status' does not show the three services running (above)."
fi
say "OK: a Debian 12 with only '$ROOT_PACKAGES' ran 'make $TARGET'"
