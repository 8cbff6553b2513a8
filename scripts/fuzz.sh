#!/usr/bin/env bash
# A fuzzing campaign (docs/testing.md, "Fuzzing"): builds the libFuzzer targets if needed
# (clang, ASan + UBSan, -DACCORD_BUILD_FUZZ=ON, in build-fuzz/), then runs every target, one at
# a time, for SECONDS each over its committed seed corpus, and prints a table: target,
# executions, exec/s, corpus size, findings. Exit 1 when any target left a finding (a crash,
# an out-of-memory, a timeout or a slow unit; the inputs are kept and their paths printed).
#
# Usage: scripts/fuzz.sh [SECONDS]            (default 60 per target)
#   FUZZ_TARGETS="agreements envelope"        only those targets
#   FUZZ_BUILD_DIR=build-fuzz                 where the fuzz build lives
#   FUZZ_OUT=DIR                              where each run's new inputs, logs and findings go
#                                             (default: a fresh directory under /tmp)
#   FUZZ_NO_BUILD=1                           run the binaries as built, build nothing
#   FUZZ_RUNS=N                               stop a target after N executions (libFuzzer
#                                             -runs), SECONDS still caps its time
#
# New inputs the fuzzer finds go to a temporary corpus directory, never into the committed
# corpora: a finding worth keeping is added by hand, fixed, under a name saying what it was.
# Not part of the default test run (each corpus is replayed there by NAME_fuzz_replay).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-60}
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/fuzz.sh [SECONDS]  (a whole number of seconds per target)" >&2
  exit 2
fi
if [[ -n "${FUZZ_RUNS:-}" && ! "$FUZZ_RUNS" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: FUZZ_RUNS must be a whole number of executions, not '$FUZZ_RUNS'" >&2
  exit 2
fi
build_dir=${FUZZ_BUILD_DIR:-build-fuzz}

# name | binary (in the fuzz build) | -max_len | -rss_limit_mb | seed corpus directories.
# max_len: above the largest seed and a real file's size, small enough to stay fast.
# rss_limit_mb: the whole process, ASan's shadow and quarantine included (the loaders run at
# 150-450 MB after hours); -malloc_limit_mb=512 also catches one giant allocation.
targets=(
  "ack_batch|tests/fuzz/ack_batch/ack_batch_fuzz|4096|2048|tests/fuzz/ack_batch/corpus"
  "agreements|tests/fuzz/agreements/fuzz_agreements_loader|16384|2048|tests/fuzz/agreements/corpus config/agreements"
  "audit_export|tests/fuzz/audit_export/audit_export_fuzz|16384|2048|tests/fuzz/audit_export/corpus tests/data/corrupt"
  "config_files|tests/fuzz/config_files/config_files_fuzz|16384|2048|tests/fuzz/config_files/corpus"
  "envelope|tests/fuzz/envelope/envelope_fuzz|16384|2048|tests/fuzz/envelope/corpus"
  "filedrop_csv|tests/fuzz/filedrop_csv/filedrop_csv_fuzz|8192|2048|tests/fuzz/filedrop_csv/corpus"
  "gateway_config|tests/fuzz/gateway_config/gateway_config_fuzz|8192|2048|tests/fuzz/gateway_config/corpus"
  "http_request|tests/fuzz/http_request/http_request_fuzz|4096|2048|tests/fuzz/http_request/corpus"
  "key_files|tests/fuzz/key_files/key_files_fuzz|4096|2048|tests/fuzz/key_files/corpus"
  "zmq_protocol|tests/fuzz/zmq_protocol/zmq_protocol_fuzz|4096|2048|tests/fuzz/zmq_protocol/corpus"
)

selected=()
for row in "${targets[@]}"; do
  name=${row%%|*}
  if [[ -z "${FUZZ_TARGETS:-}" || " $FUZZ_TARGETS " == *" $name "* ]]; then selected+=("$row"); fi
done
if [[ ${#selected[@]} -eq 0 ]]; then
  echo "fuzz.sh: no target matches FUZZ_TARGETS='${FUZZ_TARGETS:-}'" >&2
  exit 2
fi

# Build what is missing or stale (ninja decides), only the fuzz binaries.
if [[ -z "${FUZZ_NO_BUILD:-}" ]]; then
  if [[ ! -f "$build_dir/build.ninja" ]]; then
    CC=clang CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DACCORD_BUILD_FUZZ=ON -DACCORD_BUILD_BENCH=OFF >/dev/null
  fi
  binaries=()
  for row in "${selected[@]}"; do
    IFS='|' read -r _ binary _ _ _ <<<"$row"
    binaries+=("$(basename "$binary")")
  done
  cmake --build "$build_dir" -j"${ACCORD_JOBS:-$(nproc)}" --target "${binaries[@]}"
fi

out=${FUZZ_OUT:-$(mktemp -d /tmp/accord-fuzz.XXXXXX)}
mkdir -p "$out"
echo "fuzz.sh: ${#selected[@]} target(s), ${seconds}s each; output in $out"

table=()
findings_total=0
for row in "${selected[@]}"; do
  IFS='|' read -r name binary max_len rss seeds <<<"$row"
  work="$out/$name"
  mkdir -p "$work/new" "$work/findings"
  seed_dirs=()
  for dir in $seeds; do seed_dirs+=("$root/$dir"); done
  echo "fuzz.sh: $name ..."
  # The first corpus directory receives new inputs; the committed ones are only read.
  set +e
  (cd "$work" && ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "$root/$build_dir/$binary" -max_total_time="$seconds" ${FUZZ_RUNS:+-runs="$FUZZ_RUNS"} \
    -max_len="$max_len" \
    -rss_limit_mb="$rss" -malloc_limit_mb=512 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$work/findings/" "$work/new" "${seed_dirs[@]}" >"$work/log" 2>&1)
  status=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -1)
  corpus=$(grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' "$work/log" | tail -1 | sed 's/corp: //')
  found=$(find "$work/findings" -type f | wc -l)
  if [[ $status -ne 0 && $found -eq 0 ]]; then found=1; fi  # died without an artifact
  findings_total=$((findings_total + found))
  table+=("$(printf '%-15s %12s %9s %14s %9s' "$name" "${execs:-?}" "${rate:-?}" "${corpus:-?}" "$found")")
  if [[ $found -ne 0 ]]; then
    echo "fuzz.sh: $name: $found finding(s) in $work/findings (log: $work/log)"
  fi
done

echo
printf '%-15s %12s %9s %14s %9s\n' target executions exec/s corpus findings
for line in "${table[@]}"; do echo "$line"; done
echo "(corpus: inputs/size at the end, seeds included; ${seconds}s per target${FUZZ_RUNS:+ or $FUZZ_RUNS runs}; $(nproc) CPUs," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg))"
if [[ $findings_total -ne 0 ]]; then
  echo "fuzz.sh: $findings_total finding(s); inputs and logs under $out" >&2
  exit 1
fi
