# shellcheck shell=bash
# Sourced (not run) by scripts/services.sh and scripts/start-s3rver.sh: how both run a service
# under scripts/service-guard.py, read processes and name the temp dirs a killed run may leave,
# written once (the tests/services scripts use it too). Sets `guard` and `py`; the caller sets
# `guard_grace` (seconds between SIGTERM and SIGKILL when a service is stopped).
#
#   proc_stat PID                  "STATE STARTTIME" of PID (/proc/PID/stat fields 3 and 22);
#                                  status 1 when there is no such process
#   start_time PID                 STARTTIME of PID; status 1 when it does not run
#   alive PID                      PID runs and is not a zombie
#   owned_temp_dir BASE PREFIX PID makes BASE/PREFIX{PID}-{its start time}-XXXXXX, prints it
#   owner_of NAME PREFIX           "PID STARTTIME" a NAME of owned_temp_dir's records; status 1
#                                  when it records none
#   owner_runs NAME PREFIX         the process NAME records runs (the same pid and start time)
#   remove_dead_run_dirs BASE PREFIX
#                                  removes BASE/PREFIX* directories of owners that no longer run
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

# A directory a run leaves when it is killed before its cleanup (a MariaDB socket's, in /tmp) is
# named after the process it belongs to, as tests/support/temp_dir.hpp names the tests' dirs; PID
# is that process (a caller in $(...) passes $$ or $BASHPID: the substitution is a process too).
owned_temp_dir() {
  local started
  started="$(start_time "$3")" || return 1
  mktemp -d "$1/$2$3-$started-XXXXXX"
}

owner_of() {
  local rest="${1#"$2"}"
  [ "$rest" != "$1" ] && [[ "$rest" =~ ^([1-9][0-9]*)-([0-9]+)- ]] || return 1
  echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
}

owner_runs() {
  local owner
  owner="$(owner_of "$1" "$2")" || return 1
  [ "$(start_time "${owner% *}")" = "${owner#* }" ]
}

# The rule of temp_dir.hpp's remove_dead_runs_dirs: a directory of this user whose owner is gone,
# or whose pid now is another process (another start time), goes once untouched (mtime) for
# 10 min (a run in another pid namespace sharing /tmp looks dead from here); one whose name
# records no owner (made before owners were recorded) once untouched for 24 h, unless a Unix
# socket in it is bound (/proc/net/unix: a server still uses it). Symbolic links, other users'
# directories and live owners' are left alone.
remove_dead_run_dirs() {
  local base="$1" prefix="$2" path age now modified
  now="$(date +%s)"
  for path in "$base/$prefix"*; do
    [ -d "$path" ] && [ ! -L "$path" ] && [ -O "$path" ] || continue
    if owner_of "${path##*/}" "$prefix" > /dev/null; then
      owner_runs "${path##*/}" "$prefix" && continue
      age=600
    else
      grep -qF " $path/" /proc/net/unix 2> /dev/null && continue
      age=86400
    fi
    modified="$(stat -c %Y "$path" 2> /dev/null)" || continue
    [ $((now - modified)) -ge "$age" ] || continue
    rm -rf "$path"
  done
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
