#!/usr/bin/env bash
# The layer rule of docs/architecture (hexagonal): core includes only the standard library, fmt
# and core itself; no adapter includes another adapter's or the app's headers. The link graph
# enforces the same at build time; this check names the offending line.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
status=0

# Quoted includes in core must be core's; angle includes must be standard headers or fmt.
while IFS= read -r line; do
  echo "layer rule: core includes something outside core: $line"; status=1
done < <(grep -rnE '^\s*#\s*include\s*"' "$root/src/core" | grep -vE '#\s*include\s*"core/' || true)
while IFS= read -r line; do
  echo "layer rule: core includes a third-party header: $line"; status=1
done < <(grep -rnE '^\s*#\s*include\s*<' "$root/src/core" \
           | grep -vE '#\s*include\s*<(fmt/[a-z_]+\.h|[a-z_]+)>' \
           | grep -vE '_test\.cpp:' || true)

# Adapters never include the composition root, and include another adapter only along the edges
# listed here (the SQL adapters share sql/'s row mappers and errors; the embedded store signs and
# verifies with the SigV4 code; the HTTP server mounts the store's and the web bundle's request
# handlers).
declare -A allowed=(
  [sqlite]="sql"
  [mysql]="sql"
  [storage]="aws"
  [http]="storage aws web"
  [media]="aws"
  [webhook]="aws"
)
for dir in "$root"/src/adapter/*/; do
  mod="$(basename "$dir")"
  pattern="$mod"
  for dep in ${allowed[$mod]:-}; do pattern="$pattern|$dep"; done
  while IFS= read -r line; do
    echo "layer rule: adapter/$mod reaches across: $line"; status=1
  done < <(grep -rnE '^\s*#\s*include\s*"(app|adapter)/' "$dir" \
             | grep -vE "#\s*include\s*\"adapter/($pattern)/" || true)
done

[ $status -eq 0 ] && echo "layer rule: ok"
exit $status
