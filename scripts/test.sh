#!/usr/bin/env bash
# Command 2 of the README: from a fresh Debian 12 machine to the full test suite passing.
#   scripts/test.sh              install what is missing, build, run every test (ctest)
#   scripts/test.sh --sanitize   the same in an ASan+UBSan build (build-asan/)
#   scripts/test.sh --tsan       only the tests that run threads (ctest label tsan), built with
#                                ThreadSanitizer into build-tsan/ (docs/architecture.md)
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build
cmake_args=()
build_target=
ctest_args=()
if [ "${1:-}" = "--sanitize" ]; then
  build_dir=build-asan
  cmake_args+=(-DACCORD_SANITIZE=ON -DACCORD_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug)
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
elif [ "${1:-}" = "--tsan" ]; then
  build_dir=build-tsan
  # -O1: TSan's own advice; -O0 makes the instrumented tests several times slower.
  cmake_args+=(-DACCORD_TSAN=ON -DACCORD_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug
               "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g")
  build_target=accord_tsan_tests
  # Left out: SpoolMemory measures RSS, which TSan's shadow memory inflates, and SpoolCrash
  # needs a minimum of appends acknowledged between kills, which TSan's slowdown starves.
  # Both run in the plain and ASan suites.
  ctest_args+=(-L tsan -E '(^|/)(SpoolMemory|SpoolCrash)\.')
  # The first race fails the test (exit 66); tests/tsan.supp says why each entry is there.
  export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp}
fi

scripts/install-deps.sh
ACCORD_BUILD_TARGET=$build_target ACCORD_BUILD_TYPE=${ACCORD_BUILD_TYPE:-RelWithDebInfo} \
  scripts/build.sh "$build_dir" "${cmake_args[@]}"
cd "$build_dir"
ctest --output-on-failure --timeout 600 -j"${ACCORD_TEST_JOBS:-2}" "${ctest_args[@]}"
