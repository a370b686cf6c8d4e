#!/usr/bin/env bash
# The API under wrk on loopback (issue 17 item 6): `toq-media serve` with the embedded default
# (SQLite, local store), over keep-alive connections, one route after the other:
#   status_404  POST /api/v2/listings/media/status, a listing without a batch (404
#               BATCH_NOT_FOUND: verifier, use case, one SQLite read; wrk counts it as non-2xx);
#   status_200  the same for a listing whose batch of 20 photos is READY (200, 20 assets);
#   downloads   POST /api/v2/listings/media/downloads for that batch (200: 20 x 8 variants, the
#               originals and the ZIP, each a freshly presigned URL);
#   create      POST /api/v2/listings/media/uploads, a batch of 100 photos per request, each on a
#               listing of its own (one open batch per listing);
#   mixed       create on one connection while status_200 runs on the others (not by default).
# bench/refs/api_setup.py prepares the data (workers on, to make the READY batch) and writes the
# wrk scripts; the server is then restarted with its workers off for the measurement.
#
#   bench/api_wrk.sh [BINARY...]      default: build/release/src/app/toq-media
#
# Several binaries are measured one after the other in the same run (a before/after). Each gets a
# fresh data directory; wrk runs WRK_SECONDS (default 10) per connection count in WRK_CONNECTIONS
# (default "1 8 50") and route in WRK_ROUTES (default "status_404 status_200 downloads create"),
# with 2 threads (this machine's cores), and prints wrk's latency table, the load average, the
# server's CPU seconds and context switches (all its threads) for the run, and wrk's own CPU seconds
# (the load generator shares the cores).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${WRK_SECONDS:-10}"
connections="${WRK_CONNECTIONS:-1 8 50}"
routes="${WRK_ROUTES:-status_404 status_200 downloads create}"
[ $# -gt 0 ] || set -- "$root/build/release/src/app/toq-media"
command -v wrk >/dev/null || { echo "wrk is not installed (Debian package wrk)" >&2; exit 1; }

source "$root/bench/api_common.sh"

for bin in "$@"; do
  # Listings for the create runs: each run may use `quota` per wrk thread (2 threads).
  quota="${WRK_CREATE_QUOTA:-2500}"
  create_runs=0
  for route in $routes; do
    case "$route" in create | mixed) for _ in $connections; do
      create_runs=$((create_runs + 1))
    done ;; esac
  done
  prepare_data "$bin" $((create_runs * 2 * quota))
  first=100000
  echo "== $bin"
  for route in $routes; do
    for c in $connections; do
      threads=2
      [ "$c" -lt 2 ] && threads=1
      args=()
      if [ "$route" = mixed ]; then
        # Create batch on one connection while status_200 keeps the other c - 1 busy: the
        # create's latency among other traffic (a closed loop of c creates waits c / throughput).
        [ "$c" -lt 2 ] && continue
        mark_usage
        echo "-- mixed: create on 1 connection beside status_200 on $((c - 1)), ${seconds}s," \
          "load average $(cut -d' ' -f1-3 /proc/loadavg)"
        wrk -t1 -c"$((c - 1))" -d"${seconds}s" --latency -s "$data/wrk/status_200.lua" "$base" \
          >"$data/beside.txt" &
        beside=$!
        wrk -t1 -c1 -d"${seconds}s" --latency -s "$data/wrk/create.lua" "$base" -- "$first" "$quota" |
          grep -E 'Latency|50%|90%|99%|Requests/sec|requests in|Non-2xx|Socket errors'
        first=$((first + 2 * quota))
        wait "$beside"
        echo "   beside it, status_200 on $((c - 1)) connection(s):"
        grep -E 'Latency|50%|90%|99%|Requests/sec|requests in|Non-2xx|Socket errors' "$data/beside.txt"
        report_usage
        continue
      fi
      if [ "$route" = create ]; then
        args=(-- "$first" "$quota")
        first=$((first + 2 * quota))
      fi
      mark_usage
      echo "-- $route: $c connection(s), ${seconds}s, load average $(cut -d' ' -f1-3 /proc/loadavg)"
      wrk -t"$threads" -c"$c" -d"${seconds}s" --latency -s "$data/wrk/$route.lua" "$base" \
        "${args[@]}" | grep -E 'Latency|50%|90%|99%|Requests/sec|requests in|Non-2xx|Socket errors'
      report_usage
    done
  done
  stop_server
done
