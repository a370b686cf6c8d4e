# shellcheck shell=bash
# Sourced (not run) by scripts/services.sh and scripts/start-s3rver.sh: how both run a service
# under scripts/service-guard.py, written once. Sets `guard` and `py`; the caller sets
# `guard_grace` (seconds between SIGTERM and SIGKILL when a service is stopped).
#
#   proc_stat PID                  "STATE STARTTIME" of PID (/proc/PID/stat fields 3 and 22);
#                                  status 1 when there is no such process
#   start_time PID                 STARTTIME of PID; status 1 when it does not run
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

# The command name (field 2) may hold spaces and parentheses: the fields are read after its last
# ')', as tests/support/proc_stat.hpp and service-guard.py read them.
proc_stat() {
  local line fields
  case "${1:-}" in '' | *[!0-9]*) return 1 ;; esac
  line="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  case "$line" in *')'*) ;; *) return 1 ;; esac
  read -r -a fields <<< "${line##*)}"
  [ "${#fields[@]}" -ge 20 ] || return 1
  echo "${fields[0]} ${fields[19]}"
}

# Not running: gone, or a zombie (an exited child nobody reaped still answers kill -0).
start_time() {
  local st
  st="$(proc_stat "${1:-}")" || return 1
  case "${st%% *}" in Z | X) return 1 ;; esac
  echo "${st#* }"
}

alive() {
  start_time "${1:-}" > /dev/null
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
