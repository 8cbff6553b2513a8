#!/usr/bin/env bash
# Command 2 of the README: from a fresh Debian 12 machine to the full test suite passing.
#   scripts/test.sh              install what is missing, build, run every test (ctest)
#   scripts/test.sh --sanitize   the same in an ASan+UBSan build (build-asan/)
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build
cmake_args=()
if [ "${1:-}" = "--sanitize" ]; then
  build_dir=build-asan
  cmake_args+=(-DACCORD_SANITIZE=ON -DACCORD_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug)
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi

scripts/install-deps.sh
ACCORD_BUILD_TYPE=${ACCORD_BUILD_TYPE:-RelWithDebInfo} scripts/build.sh "$build_dir" "${cmake_args[@]}"
cd "$build_dir"
ctest --output-on-failure --timeout 600 -j"${ACCORD_TEST_JOBS:-2}"
