#!/usr/bin/env bash
# Runs every fuzzer of a `fuzz` preset build for a bounded time each, on a working copy of its seed
# corpus (fuzz/corpus/<name> is never modified), and prints per target the CPU time it ran, the
# inputs it executed, the corpus it grew and what it found. A crash's input is kept in
# <build>/fuzz-crashes/<name>/; turn it into a regression (fuzz/regressions/<name>/) with a fix.
# usage: run-fuzzers.sh BUILD_DIR SECONDS_PER_TARGET
set -euo pipefail
build=${1:?build dir}
seconds=${2:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
work="$build/fuzz-work"
crashes="$build/fuzz-crashes"
rm -rf "$work"
mkdir -p "$work" "$crashes"
status=0
printf '%-16s %10s %12s %8s  %s\n' target cpu_seconds executions corpus found
for seeds in "$root"/fuzz/corpus/*/; do
  name=$(basename "$seeds")
  fuzzer="$build/fuzz/toq_fuzz_$name"
  [[ -x "$fuzzer" ]] || { echo "missing $fuzzer" >&2; exit 2; }
  corpus="$work/$name"
  mkdir -p "$corpus" "$crashes/$name"
  cp "$seeds"/* "$corpus"/
  log="$work/$name.log"
  set +e
  /usr/bin/time -f '%U %S' -o "$work/$name.time" "$fuzzer" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$crashes/$name/" "$corpus" \
    >"$log" 2>&1
  rc=$?
  set -e
  # time(1) writes "Command exited with non-zero status N" first when the fuzzer failed.
  cpu=$(tail -1 "$work/$name.time" | awk '{printf "%.1f", $1 + $2}')
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  found="nothing"
  if [[ $rc -ne 0 ]]; then
    found="CRASH (exit $rc): $(ls "$crashes/$name" | tr '\n' ' ')"
    grep -m3 -E 'ERROR: |invariant broken|SUMMARY' "$log" >&2 || true
    status=1
  fi
  printf '%-16s %10s %12s %8s  %s\n' "$name" "$cpu" "${runs:-?}" "$(ls "$corpus" | wc -l)" "$found"
done
exit $status
