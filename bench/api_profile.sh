#!/usr/bin/env bash
# Where a status request's time goes (issue 17 item 6): bench/api_wrk.sh on BINARY with
# status_404 then status_200 (WRK_ROUTES) at 50 connections (PROFILE_CONNECTIONS), 20 s each;
# during each route, `perf stat` counts the server's syscalls (sleeps, futex, fcntl locks, socket
# calls), context switches and CPU for 5 s, then `perf record` samples its stacks (CPU clock, the
# only event this VM offers; DWARF call graphs: the release build keeps no frame pointers) for
# 6 s. bench/perf_split.py then splits the samples by component.
#
#   bench/api_profile.sh BINARY OUT_DIR
#
# Writes OUT_DIR/wrk.txt (api_wrk.sh's rows), OUT_DIR/ROUTE.sys (perf stat), OUT_DIR/ROUTE.data
# (perf record) and OUT_DIR/ROUTE.split (perf_split.py).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ $# -eq 2 ] || { echo "usage: $0 BINARY OUT_DIR" >&2; exit 2; }
bin="$1" out="$2"
routes="${WRK_ROUTES:-status_404 status_200}"
mkdir -p "$out"
: >"$out/wrk.txt"
WRK_SECONDS=20 WRK_CONNECTIONS="${PROFILE_CONNECTIONS:-50}" WRK_ROUTES="$routes" \
  "$root/bench/api_wrk.sh" "$bin" >"$out/wrk.txt" 2>&1 &
runner=$!
events="syscalls:sys_enter_clock_nanosleep,syscalls:sys_enter_futex,syscalls:sys_enter_fcntl"
events+=",syscalls:sys_enter_write,syscalls:sys_enter_sendmsg,syscalls:sys_enter_recvfrom"
events+=",syscalls:sys_enter_epoll_wait,context-switches,task-clock"
for route in $routes; do
  until grep -q -- "-- $route" "$out/wrk.txt"; do
    kill -0 "$runner" 2>/dev/null || { cat "$out/wrk.txt" >&2; exit 1; }
    sleep 0.2
  done
  server="$(pgrep -P "$runner" -f ' serve ' | head -1)"
  sleep 2
  perf stat -e "$events" -p "$server" -o "$out/$route.sys" -- sleep 5
  perf record -F 499 --call-graph dwarf,16384 -p "$server" -o "$out/$route.data" -- sleep 6 \
    2>"$out/$route.record.log"
done
wait "$runner"
for route in $routes; do
  python3 "$root/bench/perf_split.py" "$out/$route.data" >"$out/$route.split"
done
cat "$out/wrk.txt"
for route in $routes; do
  echo "== $route"
  grep -E 'syscalls|context-switches|task-clock' "$out/$route.sys"
  cat "$out/$route.split"
done
