#!/usr/bin/env bash
# Runs deploy/aws's tests (npm test): the AWS processing contract, the state machine, the CDK app
# and the container image checks. Installs deploy/aws's npm packages from the committed lockfile
# when they are missing or the lockfile changed (npm ci; it also brings the Node 22 the tests run
# on). CTest runs this (tests/CMakeLists.txt, test deploy_aws) with TOQ_MEDIA_BINARY and
# TOQ_AWS_ARTIFACT_DIR set.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/deploy/aws"
command -v npm >/dev/null 2>&1 || { echo "test-deploy-aws: npm is not installed (Debian package nodejs)" >&2; exit 1; }

stamp="$dir/node_modules/.toq-lock-sha256"
want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
# One install at a time (two ctest runs could share the checkout).
(
  flock 9
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "test-deploy-aws: installing deploy/aws npm packages (npm ci)" >&2
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >&2
    echo "$want" > "$stamp"
  fi
) 9>"${TMPDIR:-/tmp}/toq-deploy-aws-npm.lock"

cd "$dir"
exec npm test
