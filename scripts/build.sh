#!/usr/bin/env bash
# Configures and builds Accord. Usage: scripts/build.sh [BUILD_DIR] [extra cmake args...]
# ACCORD_BUILD_TARGET=NAME builds only that target (and what it needs) instead of everything.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
shift || true
jobs=${ACCORD_JOBS:-$(nproc)}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=${ACCORD_BUILD_TYPE:-RelWithDebInfo} "$@" >/dev/null
cmake --build "$build_dir" -j"$jobs" ${ACCORD_BUILD_TARGET:+--target "$ACCORD_BUILD_TARGET"}
