# shellcheck shell=bash
# Sourced by the tests/services scripts, after scripts/guarded.sh: fail, and the processes a test
# starts for itself, which it lists in `helpers` to have them killed and reaped at its exit.
#
#   fail MESSAGE...   prints FAIL: MESSAGE and exits 1
#   stop_helpers      SIGKILLs and reaps every pid in `helpers` (call it from the EXIT trap)

helpers=()

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

stop_helpers() {
  local p
  for p in "${helpers[@]}"; do
    kill -9 "$p" 2> /dev/null || true
    wait "$p" 2> /dev/null || true
  done
}
