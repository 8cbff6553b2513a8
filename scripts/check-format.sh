#!/usr/bin/env bash
# Fails when a tracked C++ file is not formatted per .clang-format (run by CI).
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files -z -- '*.cpp' '*.hpp' '*.h' | xargs -0 clang-format --dry-run --Werror
echo "check-format: all C++ files formatted"
