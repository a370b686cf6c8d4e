#!/usr/bin/env bash
# Fails when a C++ file differs from what .clang-format makes of it (`make format` fixes it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mapfile -t files < <(find src tests bench fuzz -name '*.cpp' -o -name '*.hpp' 2>/dev/null | sort)
clang-format --dry-run -Werror "${files[@]}"
echo "format: ${#files[@]} files ok"
