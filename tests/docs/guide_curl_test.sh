#!/usr/bin/env bash
# The pt-BR guide's curl walk-through (the ```sh block after `<!-- run: toq_guide_curl -->` in
# docs/media_processing_guide.md), run as written against a real `toq-media serve` (embedded
# default, its own data dir, a free port) with a corpus photo and video. The block runs under
# `set -euo pipefail`, so a failed PUT, a checksum that does not verify or a missing field stops
# it; then what it printed and downloaded is checked: READY, the ZIP, the 1920 px photo, the
# thumbnails, the error codes, the retry's new job.
# usage: guide_curl_test.sh TOQ_MEDIA_BINARY CORPUS_DIR
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="$1"
corpus="$2"
guide="$root/docs/media_processing_guide.md"
work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  echo "--- the block printed:"
  cat "$work/out.txt" 2>/dev/null || true
  for answer in "$work"/run/*.json; do
    [ -f "$answer" ] && echo "--- $(basename "$answer"):" && cat "$answer" && echo
  done
  exit 1
}

# The block: from the line after the marker's "```sh" to the closing fence.
awk '/^<!-- run: toq_guide_curl -->$/ { marked = 1; next }
     marked && /^```sh$/ { inside = 1; marked = 0; next }
     inside && /^```$/ { exit }
     inside { print }' "$guide" > "$work/block.sh"
[ -s "$work/block.sh" ] || fail "no \`\`\`sh block after <!-- run: toq_guide_curl --> in $guide"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
# Only the defaults: serve refuses unknown TOQ_MEDIA_* variables, and the guide assumes none.
env -u TOQ_MEDIA_BINARY "$bin" serve --data-dir "$work/var" --listen "127.0.0.1:$port" \
  2> "$work/serve.log" &
server=$!
for _ in $(seq 1 150); do
  curl -fsS "$base/readyz" > /dev/null 2>&1 && break
  kill -0 "$server" 2> /dev/null || { cat "$work/serve.log"; fail "serve exited"; }
  sleep 0.2
done
curl -fsS "$base/readyz" > /dev/null || fail "serve did not become ready"

mkdir "$work/run"
cp "$corpus/photo_kleiber.jpg" "$work/run/sala.jpg"
cp "$corpus/video_h264_aac.mp4" "$work/run/tour.mp4"
(cd "$work/run" && BASE="$base" TOQ="$bin" DATA="$work/var" timeout 300 \
   bash -euo pipefail "$work/block.sh") > "$work/out.txt" 2>&1 || fail "the block failed"

run="$work/run"
[ "$(jq -r .status "$run/status.json")" = READY ] || fail "the batch did not become READY"
[ -f "$run/imovel-28-midias.zip" ] || fail "no imovel-28-midias.zip"
grep -q "imovel-28-midias.zip: OK" "$work/out.txt" || fail "sha256sum -c did not verify the ZIP"
[ "$(vipsheader -f width "$run/01 - Sala de estar - large.jpg")" = 1920 ] ||
  fail "no 1920 px '01 - Sala de estar - large.jpg'"
for name in "01 - Sala de estar - thumbnail.jpg" "01 - Sala de estar - thumbnail.webp" \
            "01 - Tour - thumbnail.jpg"; do
  [ -s "$run/$name" ] || fail "no '$name'"
done
grep -q '"code":"BATCH_NOT_FOUND"' "$work/out.txt" || fail "no 404 BATCH_NOT_FOUND"
grep -q '"code":"FORBIDDEN"' "$work/out.txt" || fail "no 403 FORBIDDEN for the client"
batch="$(jq .batchId "$run/lote.json")"
grep -qE "^\{\"batchId\":$batch,\"jobId\":2,\"status\":\"PROCESSING\"\}$" "$work/out.txt" ||
  fail "the retry did not answer a new job"
echo "guide curl walk-through: READY, ZIP verified, photo and thumbnails downloaded, errors and retry as documented"
