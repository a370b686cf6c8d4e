#!/usr/bin/env bash
# The API at a fixed request rate (issue 17 item 6, "a bounded load client"): the routes of
# bench/api_wrk.sh on the same data, but sent open-loop by bench/refs/open_loop.py: RATE requests
# a second at fixed intervals over 50 keep-alive connections, whatever the answers' latency, each
# latency counted from the request's scheduled send time (so time spent waiting for a free
# connection counts: no coordinated omission). A closed loop (wrk) measures a saturated server,
# whose latency is set by its queue; this measures the latency a client sending at RATE sees.
#
#   bench/api_rate.sh [BINARY...]      default: build/release/src/app/toq-media
#
# RATE_PLAN (default "status_404:5000 status_200:5000 create:10 create:50 create:100 create:200")
# lists route:rate pairs, measured in that order for each binary (a before/after: several
# binaries, each with a fresh data dir); RATE_SECONDS (default 10) counted per pair after 2 s of
# warm-up; RATE_CONNECTIONS (default 50). Each pair prints the client's line (rate asked,
# achieved, p50/p90/p99/max from the schedule, p50/p99 from the send, errors), the load average at
# its start, and the server's and the client's CPU seconds for it. For the routes whose body does
# not change (status, downloads) h2load (Debian's nghttp2-client) then sends the same rate as a
# cross-check: --rps per connection, latency from the actual send (bench/refs/h2load_latency.py).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${RATE_SECONDS:-10}"
connections="${RATE_CONNECTIONS:-50}"
plan="${RATE_PLAN:-status_404:5000 status_200:5000 create:10 create:50 create:100 create:200}"
warmup=2
[ $# -gt 0 ] || set -- "$root/build/release/src/app/toq-media"
client=open_loop

source "$root/bench/api_common.sh"

for bin in "$@"; do
  # One listing per create request, warm-up included.
  listings=0
  for pair in $plan; do
    [ "${pair%%:*}" = create ] && listings=$((listings + ${pair##*:} * (seconds + warmup) + 1))
  done
  prepare_data "$bin" "$listings"
  first=100000
  echo "== $bin"
  for pair in $plan; do
    route="${pair%%:*}" rate="${pair##*:}"
    mark_usage
    echo "-- $route at $rate/s over $connections connections, ${seconds}s," \
      "load average $(cut -d' ' -f1-3 /proc/loadavg)"
    python3 "$root/bench/refs/open_loop.py" "$port" "$data/wrk/requests.json" "$route" "$rate" \
      "$seconds" --connections "$connections" --warmup "$warmup" --first-listing "$first"
    [ "$route" = create ] && first=$((first + rate * (seconds + warmup) + 1))
    report_usage
    # The same body every time: h2load (C, lighter than the Python client) as a cross-check.
    if [ "$route" != create ] && command -v h2load >/dev/null; then
      python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))["routes"][sys.argv[2]]
print(r["path"]); print(r["expect"]); open(sys.argv[3], "w").write(r["body"])' \
        "$data/wrk/requests.json" "$route" "$data/body.json" >"$data/route.txt"
      mark_usage
      echo "-- $route at $rate/s over $connections connections, h2load, ${seconds}s," \
        "load average $(cut -d' ' -f1-3 /proc/loadavg)"
      rm -f "$data/h2load.log"
      h2load --h1 -c "$connections" -t 1 --rps="$((rate / connections))" -D "$seconds" \
        --warm-up-time="$warmup" -d "$data/body.json" -H "Content-Type: application/json" \
        -H "Authorization: Bearer $(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["token"])' "$data/wrk/requests.json")" \
        --log-file="$data/h2load.log" "$base$(head -1 "$data/route.txt")" >"$data/h2load.txt"
      grep -E "^requests:|^status codes:" "$data/h2load.txt" | sed 's/^/   /'
      python3 "$root/bench/refs/h2load_latency.py" "$data/h2load.log" "$seconds" \
        "$(sed -n 2p "$data/route.txt")"
      report_usage
    fi
  done
  stop_server
done
