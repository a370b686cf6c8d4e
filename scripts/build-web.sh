#!/usr/bin/env bash
# Builds the web bundle (web/: the upload page, the gallery, /docs and the TypeScript client) into
# OUT_DIR, where `toq-media serve` finds it (the folder "web" beside the binary). Called by the
# CMake target toq_web_bundle. Installs web/'s npm packages from the committed lockfile when they
# are missing or the lockfile changed (`npm ci`), then runs Vite.
#   scripts/build-web.sh OUT_DIR            build the bundle
#   scripts/build-web.sh --deps-only        only install the npm packages (for the web tests)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
web="$root/web"
out="${1:-}"
[ -n "$out" ] || { echo "usage: $0 OUT_DIR | --deps-only" >&2; exit 2; }

command -v npm >/dev/null || { echo "build-web: npm is missing (Debian package nodejs; scripts/install-deps.sh)" >&2; exit 1; }

# One install at a time: the release and ci builds (or a build and a test) may run together.
exec 9>"$web/.npm-install.lock"
flock 9
stamp="$web/node_modules/.toq-lock-sha256"
want="$(sha256sum "$web/package-lock.json" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "build-web: npm ci in web/ (package-lock.json changed or node_modules missing)"
  (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
fi
flock -u 9
[ "$out" = "--deps-only" ] && exit 0

mkdir -p "$(dirname "$out")"
# Built next to the target and renamed into place, so a running server never sees half a bundle.
tmp="$out.tmp.$$"
trap 'rm -rf "$tmp"' EXIT
(cd "$web" && TOQ_WEB_OUT="$tmp" node node_modules/vite/bin/vite.js build)
rm -rf "$out.old"
[ -d "$out" ] && mv "$out" "$out.old"
mv "$tmp" "$out"
rm -rf "$out.old"
echo "build-web: bundle in $out"
