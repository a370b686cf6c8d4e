#!/usr/bin/env bash
# Starts or stops s3rver (npm, pinned in tests/s3/package.json) for the S3 adapter's tests.
#
#   scripts/start-s3rver.sh start STATE_DIR   install the npm deps if missing, start s3rver on a free
#                                             port of 127.0.0.1 with bucket "toq-test" and a data dir
#                                             in a temp dir; print the port
#   scripts/start-s3rver.sh stop STATE_DIR    stop the s3rver started into STATE_DIR, remove its data
#
# s3rver runs under scripts/service-guard.py (a process group of its own; `pid` names the guard, and
# `stop` signals that group only after checking the pid still is that guard). `start` first stops
# what an earlier, killed run left in STATE_DIR. TOQ_SERVICES_OWNER_PID=PID: the server stops when
# process PID exits (the CTest fixture passes ctest's pid, a test that starts its own passes its own).
#
# STATE_DIR receives: port, pid, data_dir, s3rver.log — or, when s3rver cannot be started,
# `unavailable` holding the reason, which the tests report (and fail on when required).
# s3rver is required (failure instead of a loud skip) when TOQ_REQUIRE_S3RVER=1, or when CI is set
# and TOQ_REQUIRE_S3RVER is not 0.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
action="${1:-}"
state="${2:-}"
[ -n "$action" ] && [ -n "$state" ] || { echo "usage: $0 start|stop STATE_DIR" >&2; exit 2; }
mkdir -p "$state"
state="$(cd "$state" && pwd)"
# One start or stop at a time per state dir (two ctest runs in one build dir would otherwise race
# and orphan a server). The lock is released when this script exits; s3rver does not inherit it.
exec 8>"$state/.lock"
flock 8

required() {
  [ "${TOQ_REQUIRE_S3RVER:-}" = "1" ] && return 0
  [ -n "${CI:-}" ] && [ "${TOQ_REQUIRE_S3RVER:-}" != "0" ] && return 0
  return 1
}

unavailable() {
  echo "$1" > "$state/unavailable"
  if required; then
    echo "start-s3rver: FAILED: $1 (s3rver is required: TOQ_REQUIRE_S3RVER=1 or CI)" >&2
    exit 1
  fi
  echo "start-s3rver: SKIPPING the s3rver tests: $1" >&2
  echo "start-s3rver: (set TOQ_REQUIRE_S3RVER=1 to make this a failure)" >&2
  exit 0
}

# alive, guarded, stop_pid, $py: the guard's side, shared with services.sh.
guard_grace=5
# shellcheck source=scripts/guarded.sh
. "$root/scripts/guarded.sh"

stop() {
  stop_pid "$state/pid"
  if [ -f "$state/data_dir" ]; then
    rm -rf "$(cat "$state/data_dir")"
    rm -f "$state/data_dir"
  fi
  rm -f "$state/port"
}

start() {
  stop
  rm -f "$state/unavailable"
  command -v node >/dev/null 2>&1 || unavailable "node is not installed (Debian package nodejs)"
  command -v npm >/dev/null 2>&1 || unavailable "npm is not installed"
  local bin="$root/tests/s3/node_modules/.bin/s3rver"
  if [ ! -x "$bin" ]; then
    echo "start-s3rver: installing tests/s3 npm dependencies (npm ci)" >&2
    # Serialised: parallel ctest runs of this script must not run npm ci at once.
    (
      flock 9
      [ -x "$bin" ] || npm ci --prefix "$root/tests/s3" --no-audit --no-fund --loglevel=error >&2
    ) 9>"${TMPDIR:-/tmp}/toq-s3rver-npm.lock" || unavailable "npm ci in tests/s3 failed"
  fi
  [ -x "$bin" ] || unavailable "s3rver is missing from tests/s3/node_modules"

  local data
  data="$(mktemp -d "${TMPDIR:-/tmp}/toq-s3rver-XXXXXX")"
  echo "$data" > "$state/data_dir"
  : > "$state/s3rver.log"
  # Under the guard (scripts/guarded.sh), stdio on s3rver.log.
  # --service-endpoint localhost: "toq-test.s3.localhost" is then bucket toq-test, virtual-hosted
  # (curl resolves *.localhost to the loopback itself).
  guarded "$state/pid" "$state/s3rver.log" \
    "$bin" --directory "$data" --address 127.0.0.1 --port 0 --configure-bucket toq-test \
    --service-endpoint localhost
  local port=""
  for _ in $(seq 1 200); do
    port="$(sed -n 's/.*S3rver listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$state/s3rver.log" | head -n 1)"
    [ -n "$port" ] && break
    alive "$guard_pid" || break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    local log
    log="$(tail -n 20 "$state/s3rver.log")"
    stop
    unavailable "s3rver did not start: $log"
  fi
  echo "$port" > "$state/port"
  echo "$port"
}

case "$action" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop STATE_DIR" >&2; exit 2 ;;
esac
