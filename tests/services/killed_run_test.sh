#!/usr/bin/env bash
# A ctest run killed before its fixture cleanup leaves no service behind, and the next setup starts
# cleanly (scripts/services.sh, scripts/start-s3rver.sh, scripts/service-guard.py).
#
#   killed_run_test.sh WORK_PARENT   works in WORK_PARENT/services-killed-run
#
# 1. A stand-in for ctest runs the fixture setup (the same command as the `mariadb.start` fixture:
#    owner = the setup shell's $PPID, stop, rm -rf, start) with MariaDB and s3rver, then is
#    SIGKILLed: every process of the work dir (the guards, mariadbd, s3rver) must be gone and the
#    ports closed, with no cleanup run. The services dir's path is too long for a Unix socket, so
#    MariaDB's socket is in a directory of /tmp named after mariadbd, which the killed run leaves.
# 2. The setup again, under a new stand-in: starts cleanly, and removes that socket dir (its
#    `stop`) and, with the other socket dirs in /tmp, the one of a stand-in owner that was killed,
#    not the one of a stand-in owner that runs. Then a third setup while the second run's services
#    still run (a run killed before its cleanup whose ctest is still around): it stops them by
#    their pidfiles and starts new ones.
# 3. A pidfile naming another process (a pid since reused, by anything: a colleague's MariaDB):
#    stop removes the file and leaves that process alone.
# 4. The cleanup (`services.sh stop`, as the `mariadb.stop` fixture): nothing of the work dir left,
#    the socket dir included.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
services="$root/scripts/services.sh"
# start_time: the scripts' own /proc/PID/stat reader.
# shellcheck source=scripts/guarded.sh
. "$root/scripts/guarded.sh"
# shellcheck source=tests/services/test_support.sh
. "$root/tests/services/test_support.sh"
[ $# -eq 1 ] || { echo "usage: $0 WORK_PARENT" >&2; exit 2; }
work="$(cd "$1" && pwd)/services-killed-run"
dir="$work/services-in-a-folder-whose-path-is-too-long-for-a-unix-socket"
kSocketPrefix=toq-mariadb-

cleanup() {
  stop_helpers
  "$services" stop "$dir" >/dev/null 2>&1 || true
  [ -z "${live_sock_dir:-}" ] || rm -rf "$live_sock_dir"
  [ -z "${dead_sock_dir:-}" ] || rm -rf "$dead_sock_dir"
}
trap cleanup EXIT

# The pids whose command line names the work dir (the guards' --pidfile, mariadbd's --datadir,
# s3rver's --directory). The pattern comes through a pipe, so grep's own command line does not
# match; this script's names only WORK_PARENT.
ours() {
  grep -alsF -f <(echo "$work/") /proc/[0-9]*/cmdline | sed 's|^/proc/\([0-9]*\)/cmdline$|\1|' || true
}

# Waits up to $1 seconds until no process of the work dir is left.
wait_none_left() {
  local i
  for ((i = 0; i < $1 * 10; i++)); do
    [ -z "$(ours)" ] && return 0
    sleep 0.1
  done
  return 1
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A stand-in for ctest: runs the fixture setup as its child, writes `ready` (or `failed`), and
# stays; its pid in $standin. The setup shell's $PPID is the stand-in, as ctest is for the fixture.
standin_setup() {
  local tag="$1"
  rm -f "$work/$tag.ready" "$work/$tag.failed"
  setup="export TOQ_SERVICES_OWNER_PID=\$PPID && '$services' stop '$dir' && rm -rf '$dir' && '$services' start '$dir' mariadb s3"
  setsid bash -c "bash -c \"\$1\" > '$work/$tag.log' 2>&1 && touch '$work/$tag.ready' || touch '$work/$tag.failed'; exec sleep 600" \
    standin "$setup" < /dev/null > /dev/null 2>&1 &
  standin=$!
  helpers+=("$standin")
  local i
  for ((i = 0; i < 1200; i++)); do
    [ -e "$work/$tag.ready" ] && return 0
    [ -e "$work/$tag.failed" ] && { cat "$work/$tag.log" >&2; fail "setup $tag failed"; }
    sleep 0.1
  done
  cat "$work/$tag.log" >&2
  fail "setup $tag did not finish within 120 s"
}

ports() { echo "$(cat "$dir/mariadb/port") $(cat "$dir/s3/state/port")"; }

# The directory of MariaDB's socket; fails unless it is in /tmp and named after the running mariadbd.
socket_dir() {
  local sock_dir
  sock_dir="$(dirname "$(cat "$dir/mariadb/socket_path")")"
  case "$sock_dir" in "/tmp/$kSocketPrefix"*) ;; *) fail "the socket is not in /tmp: $sock_dir" ;; esac
  [ "$(owner_of "${sock_dir##*/}" "$kSocketPrefix")" = \
    "$(cat "$dir/mariadb/mariadbd.pid") $(start_time "$(cat "$dir/mariadb/mariadbd.pid")")" ] \
    || fail "$sock_dir is not named after mariadbd ($(cat "$dir/mariadb/mariadbd.pid"))"
  echo "$sock_dir"
}

mkdir -p "$work"
"$services" stop "$dir" >/dev/null 2>&1 || true
wait_none_left 60 || fail "processes of $work left from an earlier run of this test: $(ours)"

echo "$(date +%T) == 1. the fixture's ctest SIGKILLed"
standin_setup first
read -r db_port s3_port < <(ports)
port_open "$db_port" || fail "MariaDB does not answer on $db_port"
port_open "$s3_port" || fail "s3rver does not answer on $s3_port"
before="$(ours | wc -l)"
[ "$before" -ge 4 ] || fail "expected 2 guards, mariadbd and s3rver; found $before: $(ours)"
first_sock_dir="$(socket_dir)"
kill -9 "$standin"
wait "$standin" 2>/dev/null || true
wait_none_left 60 || fail "left after the owner was SIGKILLed: $(ours | xargs -r ps -o pid,args -p)"
port_open "$db_port" && fail "port $db_port (MariaDB) still open"
port_open "$s3_port" && fail "port $s3_port (s3rver) still open"
[ -d "$first_sock_dir" ] || fail "the killed run's socket dir $first_sock_dir is gone already"
echo "   $before processes before, none after; ports $db_port and $s3_port closed"
echo "   the killed run left its socket dir $first_sock_dir"
# Socket dirs of two other runs, old enough to be swept: one whose owner was killed, one whose
# owner still runs (stand-ins, as tests/support/temp_dir_test.cpp fakes its owners).
sleep 600 > /dev/null 2>&1 &
helpers+=("$!")
live_sock_dir="$(owned_temp_dir /tmp "$kSocketPrefix" "$!")"
sleep 600 > /dev/null 2>&1 &
helpers+=("$!")
dead_sock_dir="$(owned_temp_dir /tmp "$kSocketPrefix" "$!")"
kill -9 "$!"
wait "$!" 2>/dev/null || true
touch -d '1 hour ago' "$live_sock_dir" "$dead_sock_dir"

echo "$(date +%T) == 2. the next setup starts cleanly; a later setup stops a run's leftovers by pidfile"
standin_setup second
read -r db_port s3_port < <(ports)
port_open "$db_port" && port_open "$s3_port" || fail "the second setup's services do not answer"
[ ! -e "$first_sock_dir" ] || fail "the killed run's socket dir $first_sock_dir was kept"
[ ! -e "$dead_sock_dir" ] || fail "the socket dir of a killed owner was kept: $dead_sock_dir"
[ -d "$live_sock_dir" ] || fail "the socket dir of a live owner was removed: $live_sock_dir"
second_sock_dir="$(socket_dir)"
echo "   socket dirs: the killed run's and a killed owner's removed, a live owner's kept"
second="$(ours | sort)"
standin_setup third
third="$(ours | sort)"
left="$(comm -12 <(echo "$second") <(echo "$third"))"
[ -z "$left" ] || fail "the third setup left the second's processes running: $left"
read -r db_port s3_port < <(ports)
port_open "$db_port" && port_open "$s3_port" || fail "the third setup's services do not answer"
[ ! -e "$second_sock_dir" ] || fail "the stopped second run's socket dir was kept"
third_sock_dir="$(socket_dir)"
echo "   second run's $(echo "$second" | wc -l) processes stopped, third run's answer"

echo "$(date +%T) == 3. a pidfile naming another process"
sleep 600 < /dev/null > /dev/null 2>&1 &
decoy=$!
helpers+=("$decoy")
mkdir -p "$work/decoy"
echo "$decoy $(start_time "$decoy")" > "$work/decoy/pid"
"$root/scripts/start-s3rver.sh" stop "$work/decoy" 2> "$work/decoy.err"
kill -0 "$decoy" 2>/dev/null || fail "stop signalled pid $decoy, which is not its guard"
[ ! -e "$work/decoy/pid" ] || fail "the stale pidfile was kept"
grep -q "another process now; left alone" "$work/decoy.err" || fail "no note: $(cat "$work/decoy.err")"
echo "   pid $decoy left alone, stale pidfile removed"

echo "$(date +%T) == 4. the cleanup"
"$services" stop "$dir"
wait_none_left 5 || fail "left after services.sh stop: $(ours)"
[ ! -e "$third_sock_dir" ] || fail "the socket dir $third_sock_dir was kept after stop"
port_open "$db_port" && fail "port $db_port (MariaDB) still open"
port_open "$s3_port" && fail "port $s3_port (s3rver) still open"
echo "PASS"
