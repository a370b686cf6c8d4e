#!/usr/bin/env bash
# scripts/guarded.sh's helpers on real processes (no service started):
# 1. proc_stat / start_time / alive read /proc/PID/stat after the command name's last ')': a
#    program named "a) b (c" is read right; a missing pid is absent.
# 2. owned_temp_dir names a directory after its owner (pid and start time), and
#    remove_dead_run_dirs removes those of owners that no longer run once untouched for 10 min,
#    those that record no owner after 24 h, and nothing else (tests/support/temp_dir_test.cpp
#    checks the same rule for the tests' own dirs; killed_run_test.sh the MariaDB socket's dir of
#    a real killed run).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/guarded.sh
. "$root/scripts/guarded.sh"
# shellcheck source=tests/services/test_support.sh
. "$root/tests/services/test_support.sh"

work="$(mktemp -d "${TMPDIR:-/tmp}/toq-guarded-test-XXXXXX")"
cleanup() {
  stop_helpers
  rm -rf "$work"
}
trap cleanup EXIT

echo "== 1. /proc/PID/stat with a command name holding spaces and parentheses"
cp /bin/sleep "$work/a) b (c"
"$work/a) b (c" 600 < /dev/null > /dev/null 2>&1 &
odd=$!
helpers+=("$odd")
for _ in $(seq 1 100); do
  [ "$(cat "/proc/$odd/comm")" = "a) b (c" ] && break
  sleep 0.05
done
[ "$(cat "/proc/$odd/comm")" = "a) b (c" ] || fail "the program's name is $(cat "/proc/$odd/comm")"
# What the kernel says, read independently: the 20th field after the last ')'.
expected="$(sed 's/.*) //' "/proc/$odd/stat" | cut -d' ' -f20)"
[ "$(start_time "$odd")" = "$expected" ] || fail "start_time $(start_time "$odd"), not $expected"
[ "$(proc_stat "$odd")" = "S $expected" ] || fail "proc_stat: $(proc_stat "$odd")"
alive "$odd" || fail "a running program is not alive"
pid_max="$(cat /proc/sys/kernel/pid_max)"
! proc_stat "$pid_max" > /dev/null || fail "pid $pid_max (pid_max) was found"
! start_time "$pid_max" > /dev/null || fail "pid_max has a start time"
! alive "$pid_max" || fail "pid_max is alive"
! alive "" || fail "no pid is alive"
! alive "12x" || fail "12x is alive"
kill -9 "$odd"
wait "$odd" 2> /dev/null || true
! alive "$odd" || fail "a killed and reaped program is alive"
echo "   start time $expected read after the name; missing pids absent"

echo "== 2. directories named after their owner, removed once the owner is gone"
area="$work/area"
mkdir "$area"
kPrefix=toq-mariadb-
# A stand-in owner: a process of its own, listed for the cleanup.
sleep 600 > /dev/null 2>&1 &
live=$!
helpers+=("$live")
sleep 600 > /dev/null 2>&1 &
killed=$!
helpers+=("$killed")
live_dir="$(owned_temp_dir "$area" "$kPrefix" "$live")"
killed_dir="$(owned_temp_dir "$area" "$kPrefix" "$killed")"
[ "$(owner_of "${live_dir##*/}" "$kPrefix")" = "$live $(start_time "$live")" ] \
  || fail "$live_dir does not name its owner $live"
owner_runs "${live_dir##*/}" "$kPrefix" || fail "the live owner of $live_dir does not run"
! owner_of "toq-mariadb-Ab12Cd" "$kPrefix" > /dev/null || fail "an ownerless name has an owner"
! owned_temp_dir "$area" "$kPrefix" "$pid_max" > /dev/null 2>&1 || fail "a dir for no process"
kill -9 "$killed"
wait "$killed" 2> /dev/null || true
! owner_runs "${killed_dir##*/}" "$kPrefix" || fail "a killed owner runs"
mkdir -p "$killed_dir/inside"
old() { touch -d "$1 hours ago" "$2"; }
made() {
  mkdir -p "$area/$2/inside"
  old "$1" "$area/$2"
  echo "$area/$2"
}
# Just killed: younger than the age floor, so a sweep leaves it.
remove_dead_run_dirs "$area" "$kPrefix"
[ -d "$killed_dir" ] || fail "a dead owner's dir younger than 10 min was removed"
old 1 "$killed_dir"
old 1 "$live_dir"
reused="$(made 1 "$kPrefix$$-1-Zz0001")"
ownerless_young="$(made 1 "${kPrefix}Zz0002")"
ownerless_old="$(made 48 "${kPrefix}Zz0003")"
in_use="$(made 48 "${kPrefix}Zz0004")"
other_kind="$(made 48 "toq-other-$killed-1-Zz0005")"
target="$(made 48 target)"
ln -s "$target" "$area/${kPrefix}1-1-Zz0006"
# A server still listening on a socket in the ownerless old dir.
"$py" -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(); time.sleep(600)' \
  "$in_use/server.sock" < /dev/null > /dev/null 2>&1 &
helpers+=("$!")
for _ in $(seq 1 100); do [ -S "$in_use/server.sock" ] && break; sleep 0.05; done
old 48 "$in_use"

remove_dead_run_dirs "$area" "$kPrefix"
[ ! -e "$killed_dir" ] || fail "the killed owner's dir was kept"
[ -d "$live_dir" ] || fail "the live owner's dir was removed"
[ ! -e "$reused" ] || fail "a reused pid (this shell's, another start time) was taken for the owner"
[ -d "$ownerless_young" ] || fail "an ownerless dir younger than 24 h was removed"
[ ! -e "$ownerless_old" ] || fail "an ownerless dir older than 24 h was kept"
[ -d "$in_use" ] || fail "an ownerless dir with a bound socket was removed"
[ -d "$other_kind" ] || fail "another prefix's dir was removed"
[ -d "$target/inside" ] && [ -L "$area/${kPrefix}1-1-Zz0006" ] || fail "a symbolic link was followed"
kill -9 "$live"
wait "$live" 2> /dev/null || true
remove_dead_run_dirs "$area" "$kPrefix"
[ ! -e "$live_dir" ] || fail "the dir of the owner killed last was kept"
echo "   a killed owner's dir removed, a live one's kept; the ownerless and age rules hold"

echo "PASS"
