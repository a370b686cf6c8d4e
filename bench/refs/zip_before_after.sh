#!/usr/bin/env bash
# Before/after of the batch ZIP into the embedded store (docs/benchmarks.md, "ZIP: each byte
# hashed once"): two toq_zip_bench binaries writing the same archive in one streamed put
# (local-put:), next to `cat > /dev/null` of the inputs, one unrecorded warm-up round then ROUNDS
# rounds, each running the three in turn. Prints one line per run: round, case, wall, user and
# system seconds, peak RSS KiB (GNU time), the bench's own output and the load average.
#   zip_before_after.sh BEFORE_ZIP_BENCH AFTER_ZIP_BENCH INPUTS_DIR [ROUNDS]
set -euo pipefail
before="$1"
after="$2"
inputs="$3"
rounds="${4:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
files=("$inputs"/zip/*)
"$before" setup "local:$work/store" "${files[@]}" > /dev/null

run() {
  local round="$1" name="$2"
  shift 2
  local timing
  timing="$({ /usr/bin/time -f '%e %U %S %M' "$@" > "$work/out"; } 2>&1 | tail -1)"
  read -r wall user sys rss <<< "$timing"
  printf '%s | %s | wall %s | user %s | sys %s | rss %s KiB | %s | load %s\n' "$round" "$name" \
    "$wall" "$user" "$sys" "$rss" "$(tr '\n' ' ' < "$work/out")" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
}

for round in $(seq 0 "$rounds"); do
  run "$round" "before, one streamed put" "$before" run "local-put:$work/store" "${files[@]}"
  run "$round" "after, one streamed put" "$after" run "local-put:$work/store" "${files[@]}"
  run "$round" "cat > /dev/null" sh -c 'cat "$@" > /dev/null' sh "${files[@]}"
done
