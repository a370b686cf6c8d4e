#!/usr/bin/env bash
# The API under wrk on loopback (issue 17 item 6): `toq-media serve` with the embedded default,
# POST /api/v2/listings/media/status for a listing without a batch (404 BATCH_NOT_FOUND, the
# cheapest authenticated answer: verifier, use case, one SQLite read), over keep-alive connections.
#
#   bench/api_wrk.sh [BINARY...]      default: build/release/src/app/toq-media
#
# Several binaries are measured one after the other in the same run (a before/after). Each gets a
# fresh data directory; wrk runs WRK_SECONDS (default 10) per connection count in WRK_CONNECTIONS
# (default "1 8 50"), with 2 threads (this machine's cores), and prints wrk's latency table.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${WRK_SECONDS:-10}"
connections="${WRK_CONNECTIONS:-1 8 50}"
[ $# -gt 0 ] || set -- "$root/build/release/src/app/toq-media"
command -v wrk >/dev/null || { echo "wrk is not installed (Debian package wrk)" >&2; exit 1; }

work="$(mktemp -d)"
server=""
cleanup() {
  [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for bin in "$@"; do
  data="$work/var-$RANDOM"
  mkdir -p "$data"
  TOQ_MEDIA_PROCESSING_START_WORKERS=false "$bin" serve --data-dir "$data" \
    --listen 127.0.0.1:0 2>"$data/serve.log" &
  server=$!
  port=""
  for _ in $(seq 1 100); do
    port="$(grep -o '"port":[0-9]*' "$data/serve.log" | head -1 | cut -d: -f2 || true)"
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { echo "serve did not start: $(cat "$data/serve.log")" >&2; exit 1; }
  base="http://127.0.0.1:$port"
  token="$("$bin" token --data-dir "$data" --sub 1 --role service --ttl 3600)"
  curl -fsS -X PUT "$base/api/v2/internal/listings/28" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' \
    -d '{"ownerId": 11, "photographerId": 7, "kind": "RESIDENTIAL", "status": "PENDING_PHOTO_PROCESSING"}' \
    >/dev/null
  cat >"$data/status.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"listingIdentityId": 28}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
LUA
  status="$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/api/v2/listings/media/status" \
    -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"listingIdentityId": 28}')"
  echo "== $bin (status answers $status)"
  for c in $connections; do
    echo "-- $c connection(s), ${seconds}s"
    threads=2
    [ "$c" -lt 2 ] && threads=1
    wrk -t"$threads" -c"$c" -d"${seconds}s" --latency -s "$data/status.lua" \
      "$base/api/v2/listings/media/status" | grep -E 'Latency|50%|90%|99%|Requests/sec|requests in|Non-2xx|Socket errors'
  done
  kill -TERM "$server"
  wait "$server" 2>/dev/null || true
  server=""
done
