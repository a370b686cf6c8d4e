#!/usr/bin/env bash
# Runs deploy/aws's tests (npm test): the AWS processing contract, the state machine, the CDK app
# and the container image checks. Installs deploy/aws's npm packages from the committed lockfile
# when they are missing or the lockfile changed (scripts/deploy-aws-deps.sh; it also brings the
# Node 22 the tests run on). CTest runs this (tests/CMakeLists.txt, test deploy_aws) with
# TOQ_MEDIA_BINARY and TOQ_AWS_ARTIFACT_DIR set.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/deploy-aws-deps.sh" >/dev/null
cd "$root/deploy/aws"
exec npm test
