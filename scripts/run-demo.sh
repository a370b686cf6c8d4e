#!/usr/bin/env bash
# `make run`: starts `toq-media serve` with the embedded default (SQLite, local store, worker
# processes) in ./var, registers a demo listing, and prints where to go: the upload page and the
# gallery with a token already in their URL (in the fragment, which never reaches a server log),
# /docs, and the tokens of each role.
# Ctrl-C (or SIGTERM) stops the server cleanly: it lets requests in flight and the workers' files
# in hand finish within server.shutdownGraceSeconds.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${TOQ_DEMO_BIN:-$root/build/release/src/app/toq-media}"
data_dir="${TOQ_DEMO_DATA_DIR:-$root/var}"
listen="${TOQ_DEMO_LISTEN:-127.0.0.1:8080}"
listing="${TOQ_DEMO_LISTING:-28}"
base="http://$listen"

mkdir -p "$data_dir"
log="$data_dir/serve.log"
"$bin" serve --data-dir "$data_dir" --listen "$listen" 2> >(tee -a "$log" >&2) &
server=$!
stop() {
  trap - INT TERM
  echo
  echo "stopping toq-media (pid $server)..."
  kill -TERM "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  echo "stopped."
  exit 0
}
trap stop INT TERM

for _ in $(seq 1 100); do
  if curl -fsS "$base/readyz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then
    echo "toq-media serve exited; see $log" >&2
    exit 1
  fi
  sleep 0.2
done
curl -fsS "$base/readyz" >/dev/null || { echo "toq-media did not become ready; see $log" >&2; kill -TERM "$server"; exit 1; }

token() { "$bin" token --data-dir "$data_dir" --sub "$1" --role "$2" --ttl 86400; }
service_token="$(token 1 service)"
photographer_token="$(token 7 photographer)"
owner_token="$(token 11 owner)"
client_token="$(token 42 client)"
admin_token="$(token 2 admin)"

# The demo listing: photographer 7, owner 11, waiting for its photos (an upsert: safe to repeat).
curl -fsS -X PUT "$base/api/v2/internal/listings/$listing" \
  -H "Authorization: Bearer $service_token" -H 'Content-Type: application/json' \
  -d '{"ownerId": 11, "photographerId": 7, "kind": "RESIDENTIAL", "status": "PENDING_PHOTO_PROCESSING"}' \
  >/dev/null

cat <<INFO

toq-media is running (embedded mode: SQLite, local store and worker processes in $data_dir)

  Upload page  $base/ui/upload?listing=$listing#token=$photographer_token
  Gallery      $base/ui/gallery?listing=$listing#token=$owner_token
  API docs     $base/docs#token=$photographer_token
               (Swagger UI: "Try it out" with the photographer's token; OpenAPI: $base/openapi.json)
  API          $base/api/v2/...
  health       $base/healthz  $base/readyz  $base/metrics
  log          $log

Demo listing $listing: photographer 7, owner 11, status PENDING_PHOTO_PROCESSING.
Tokens (24 h; send as "Authorization: Bearer <token>"):

  photographer (sub 7)   $photographer_token
  owner        (sub 11)  $owner_token
  client       (sub 42)  $client_token
  admin        (sub 2)   $admin_token
  service      (sub 1)   $service_token

Try:  PHOTOGRAPHER_TOKEN=$photographer_token
      curl -s -X POST $base/api/v2/listings/media/status \\
        -H "Authorization: Bearer \$PHOTOGRAPHER_TOKEN" -H 'Content-Type: application/json' \\
        -d '{"listingIdentityId": $listing}'
Or process local files without a server:  $bin process PHOTO.jpg VIDEO.mp4 --out out/

Press Ctrl-C to stop.
INFO
wait "$server"
