# shellcheck shell=bash
# Sourced (not run) by scripts/services.sh and scripts/start-s3rver.sh: how both run a service
# under scripts/service-guard.py, written once. Sets `guard` and `py`; the caller sets
# `guard_grace` (seconds between SIGTERM and SIGKILL when a service is stopped).
#
#   alive PID                      PID runs and is not a zombie
#   guarded PIDFILE LOG COMMAND... COMMAND in the background under the guard, its pidfile PIDFILE,
#                                  stdio on LOG; sets guard_pid
#   stop_pid PIDFILE               the guard's group TERM, up to guard_grace s, then KILL
#   guard_alive PIDFILE            the guard PIDFILE names is running

guard="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/service-guard.py"
# Debian's interpreter when present (as CI has): not a per-user shim (pyenv) whose shared state
# another shell may be changing.
py="$(command -v /usr/bin/python3 || command -v python3)"
guard_grace="${guard_grace:-30}"

# Alive and not a zombie (an exited child nobody reaped still answers kill -0).
alive() {
  [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] || return 1
  local st
  st="$(sed 's/^.*) \([A-Za-z]\).*/\1/' "/proc/$1/stat")"
  [ "$st" != "Z" ] && [ "$st" != "X" ]
}

# In a session and process group of its own (the service outlives the calling script and ctest
# does not wait on it). TOQ_SERVICES_OWNER_PID=PID: the guard stops the service when PID exits.
# 8>&- 9>&-: the service must not hold the calling script's locks.
guarded() {
  local pidfile="$1" logfile="$2"
  shift 2
  local owner=()
  [ -n "${TOQ_SERVICES_OWNER_PID:-}" ] && owner=(--owner "$TOQ_SERVICES_OWNER_PID")
  rm -f "$pidfile"
  8>&- 9>&- "$py" "$guard" run --pidfile "$pidfile" "${owner[@]}" --grace "$guard_grace" -- "$@" \
    < /dev/null >> "$logfile" 2>&1 &
  # shellcheck disable=SC2034  # for the caller, which waits for the service to answer
  guard_pid=$!
}

stop_pid() {
  [ -f "$1" ] || return 0
  "$py" "$guard" stop --pidfile "$1" --grace "$guard_grace"
}

guard_alive() {
  "$py" "$guard" alive --pidfile "$1"
}
