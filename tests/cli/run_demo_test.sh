#!/usr/bin/env bash
# `make run`'s script (scripts/run-demo.sh) on a free port with a temporary data dir: it must print
# the upload page and gallery URLs with a working token in them, and the pages must be served.
# usage: run_demo_test.sh TOQ_MEDIA_BINARY
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="$1"
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
TOQ_DEMO_BIN="$bin" TOQ_DEMO_DATA_DIR="$work/var" TOQ_DEMO_LISTEN="127.0.0.1:$port" \
  "$root/scripts/run-demo.sh" > "$work/out.txt" 2> "$work/err.txt" &
demo=$!
cleanup() {
  kill -TERM "$demo" 2>/dev/null || true
  wait "$demo" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 150); do
  grep -q "Press Ctrl-C" "$work/out.txt" 2>/dev/null && break
  kill -0 "$demo" 2>/dev/null || { cat "$work/out.txt" "$work/err.txt"; echo "FAIL: run-demo.sh exited"; exit 1; }
  sleep 0.2
done
fail() { echo "FAIL: $*"; cat "$work/out.txt"; exit 1; }
upload="$(grep -oE "http://127\.0\.0\.1:$port/ui/upload\?listing=28#token=[A-Za-z0-9._-]+" "$work/out.txt")" || fail "no upload URL"
gallery="$(grep -oE "http://127\.0\.0\.1:$port/ui/gallery\?listing=28#token=[A-Za-z0-9._-]+" "$work/out.txt")" || fail "no gallery URL"
grep -qE "http://127\.0\.0\.1:$port/docs#token=" "$work/out.txt" || fail "no /docs URL"
for url in "$upload" "$gallery"; do
  page="${url%%#*}"
  token="${url#*#token=}"
  code="$(curl -s -o "$work/page.html" -D "$work/headers.txt" -w '%{http_code}' "$page")"
  [ "$code" = 200 ] || fail "$page answered $code"
  grep -qi '^content-security-policy:' "$work/headers.txt" || fail "$page has no Content-Security-Policy"
  grep -q '<script type="module"' "$work/page.html" || fail "$page is not the built page"
  # The token in the URL is accepted by the API (200: the listing's latest batch, or 404
  # BATCH_NOT_FOUND when it has none; never 401).
  code="$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/api/v2/listings/media/status" \
          -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{"listingIdentityId": 28}')"
  case "$code" in 200|404) ;; *) fail "the token of $page got $code from /status" ;; esac
done
# The "Try:" commands, pasted into a shell as printed, reach the API with a token (not 401).
sed -n '/^Try:/,/^Or process/p' "$work/out.txt" | sed -e '$d' -e 's/^Try: //' > "$work/try.sh"
[ -s "$work/try.sh" ] || fail "no Try: commands"
answer="$(env -u PHOTOGRAPHER_TOKEN bash "$work/try.sh")" || fail "the Try: commands failed"
case "$answer" in
  *'"code":"UNAUTHENTICATED"'*) fail "the Try: commands got 401: $answer" ;;
  *'"listingIdentityId":28'* | *'"code":"BATCH_NOT_FOUND"'*) ;;
  *) fail "the Try: commands answered: $answer" ;;
esac
echo "run-demo: upload and gallery URLs with working tokens; pages served; the Try: commands work"
