#!/usr/bin/env bash
# Installs deploy/aws's npm packages from the committed lockfile when they are missing or the
# lockfile changed (npm ci; it also brings the Node 22 that aws-local-stepfunctions needs, as
# node_modules/.bin/node). One install at a time: the deploy_aws tests and the offline rehearsal
# (scripts/services.sh ... aws) may ask at once. Prints the path of that node.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/deploy/aws"
command -v npm >/dev/null 2>&1 || { echo "deploy-aws-deps: npm is not installed (Debian package nodejs)" >&2; exit 1; }

stamp="$dir/node_modules/.toq-lock-sha256"
want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
(
  flock 9
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "deploy-aws-deps: installing deploy/aws npm packages (npm ci)" >&2
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >&2
    echo "$want" > "$stamp"
  fi
) 9>"${TMPDIR:-/tmp}/toq-deploy-aws-npm.lock"
echo "$dir/node_modules/.bin/node"
