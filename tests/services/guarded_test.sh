#!/usr/bin/env bash
# scripts/guarded.sh's helpers on real processes (no service started):
# 1. proc_stat / start_time / alive read /proc/PID/stat after the command name's last ')': a
#    program named "a) b (c" is read right; a missing pid is absent.
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

echo "PASS"
