#!/usr/bin/env bash
# The layer rule of docs/architecture.md (hexagonal), checked on the sources; the link graph checks
# the same at build time, this names the offending line:
# - core includes only the standard library, fmt, core and support;
# - support includes no adapter and no app, and its dependency-free part (src/support/*.hpp|cpp,
#   which core builds on) not even core;
# - an adapter never includes the composition root (app/), and includes another adapter only along
#   the edges listed below;
# - media/, webhook/ and storage/ never include adapter/aws: digests, encodings, byte streams and
#   the HTTP client are src/support's. The one exception is the embedded store's SigV4
#   (storage/store_sigv4.cpp), which signs and verifies with adapter/aws/sigv4*;
# - in app/, only the wiring includes the adapters it builds (below).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
status=0
fail() {
  echo "layer rule: $1: $2"
  status=1
}

quoted_includes() {  # file:line:text of every #include "..." under the given paths
  grep -rnE '^\s*#\s*include\s*"' "$@" || true
}

# core: quoted includes must be core's or support's; angle includes standard headers or fmt (the
# tests beside the code, *_test.cpp and their *_test_support.hpp, may use gtest).
while IFS= read -r line; do
  fail "core includes something outside core and support" "$line"
done < <(quoted_includes "$root/src/core" | grep -vE '#\s*include\s*"(core|support)/')
while IFS= read -r line; do
  fail "core includes a third-party header" "$line"
done < <(grep -rnE '^\s*#\s*include\s*<' "$root/src/core" \
           | grep -vE '#\s*include\s*<(fmt/[a-z_]+\.h|[a-z_]+)>' \
           | grep -vE '(_test\.cpp|_test_support\.hpp):' || true)

# support: no adapter, no app; the top level (toq_support) not even core.
while IFS= read -r line; do
  fail "support includes an adapter or the app" "$line"
done < <(quoted_includes "$root/src/support" | grep -E '#\s*include\s*"(adapter|app)/')
while IFS= read -r line; do
  fail "toq_support (src/support/*) includes core, which builds on it" "$line"
done < <(find "$root/src/support" -maxdepth 1 -name '*.[hc]pp' ! -name '*_test.cpp' -print0 \
           | xargs -0 grep -nHE '^\s*#\s*include\s*"core/' || true)

# Adapters: the composition root never; another adapter only along these edges.
declare -A allowed=(
  [sqlite]="sql"        # the SQL adapters share sql/'s row mappers, errors and unit of work
  [mysql]="sql"
  [http]="storage web aws"  # the HTTP server mounts the embedded store's and the web bundle's
                            # handlers; the processing callback reads the AWS pipeline's documents
  [cli]="media"         # `toq-media process` runs the pipeline on local files
  [lambda]="media aws"  # the Lambda/ECS tasks run the pipeline on the AWS documents
)
# Files allowed to include adapter/aws although their module may not, and why.
declare -A aws_exceptions=(
  [storage/store_sigv4.cpp]="the embedded store signs and verifies its presigned URLs with SigV4"
)
for dir in "$root"/src/adapter/*/; do
  mod="$(basename "$dir")"
  pattern="$mod"
  for dep in ${allowed[$mod]:-}; do pattern="$pattern|$dep"; done
  while IFS= read -r line; do
    file="${line%%:*}"
    rel="${file#"$root"/src/adapter/}"
    if [[ -n "${aws_exceptions[$rel]:-}" ]] && [[ "$line" =~ \"adapter/aws/sigv4[a-z_]*\.hpp\" ]]; then
      continue
    fi
    fail "adapter/$mod reaches across" "$line"
  done < <(quoted_includes "$dir" | grep -E '#\s*include\s*"(app|adapter)/' \
             | grep -vE "#\s*include\s*\"adapter/($pattern)/")
done

# The modules that must stay off adapter/aws, whatever the edges above say.
for mod in media webhook storage; do
  while IFS= read -r line; do
    file="${line%%:*}"
    rel="${file#"$root"/src/adapter/}"
    [[ -n "${aws_exceptions[$rel]:-}" ]] && continue
    fail "adapter/$mod includes adapter/aws (use src/support)" "$line"
  done < <(quoted_includes "$root/src/adapter/$mod" | grep -E '#\s*include\s*"adapter/aws/')
done

# app/: only the wiring (wiring.*, aws_wiring.*) builds adapters, so only it includes the right side
# (stores, databases, AWS, media, webhooks, the web bundle). The rest of app/ composes the left side
# it mounts the use cases on: adapter/http (the server, routes, metrics, the handlers' service
# table), adapter/cli (the subcommands' options), adapter/lambda (the runtime loop and the tasks).
# Files allowed one more include, and why:
declare -A app_exceptions=(
  # `toq-media task` prints the processing contract's task error body (docs/aws-pipeline.md)
  [lambda_command.cpp]="adapter/aws/pipeline/documents.hpp"
)
while IFS= read -r line; do
  file="${line%%:*}"
  rel="${file#"$root"/src/app/}"
  case "$(basename "$rel")" in wiring.hpp | wiring.cpp | aws_wiring.hpp | aws_wiring.cpp) continue ;; esac
  if [[ -n "${app_exceptions[$rel]:-}" ]] && [[ "$line" == *"\"${app_exceptions[$rel]}\""* ]]; then
    continue
  fi
  fail "app/ outside the wiring includes an adapter it should get from wiring" "$line"
done < <(quoted_includes "$root/src/app" | grep -E '#\s*include\s*"adapter/' \
           | grep -vE '#\s*include\s*"adapter/(http|cli|lambda)/')

[ $status -eq 0 ] && echo "layer rule: ok"
exit $status
