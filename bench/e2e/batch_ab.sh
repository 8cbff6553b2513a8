#!/usr/bin/env bash
# A/B of single submits against batches (POST /v1/messages:batch), alternated in one run on
# one gateway (docs/benchmarks.md method: A B A B, ratios, load at start and end).
#
# Usage: bench/e2e/batch_ab.sh BUILD_DIR [SECONDS] [ROUNDS]
#
# Each round: accord bench -c 64; -c 64 --batch 16; -c 64 --batch 64; -c 16 --batch 16 (2 s
# warmup, SECONDS measured, default 8; ROUNDS default 3). Prints one line per run: msg/s,
# p50/p99 (a batch's latency for each of its messages) and the gateway's CPU per message
# (utime + stime from /proc/PID/stat, warmup messages included). The runs' JSON reports are
# left in /tmp/batchbench/last.
set -euo pipefail
build="$(cd "$1" && pwd)"; seconds="${2:-8}"; rounds="${3:-3}"
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
mkdir -p /tmp/batchbench
tmp="$(mktemp -d /tmp/accord-batch-ab-XXXXXX)"
# shellcheck source=bench/e2e/lib.sh
source "$src/bench/e2e/lib.sh"
cleanup() {
  stop_gateway
  rm -rf /tmp/batchbench/last
  cp -r "$tmp" /tmp/batchbench/last
  rm -rf "$tmp"
}
trap cleanup EXIT
make_pki
write_config "$tmp/spool" ""
start_gateway ab
cpu() { proc_cpu "$gateway_pid"; }
echo "load at start: $(uptime)"
run() {
  local name="$1"; shift
  local b a
  b="$(cpu)"
  "$accord_bin" bench --gateway "127.0.0.1:$port" --as police.met --pki-dir "$tmp/pki" --warmup 2 --duration "$seconds" --json --run-id "$name-$RANDOM$RANDOM" "$@" >"$tmp/$name.json" 2>"$tmp/$name.log" || true
  a="$(cpu)"
  python3 - "$tmp/$name.json" "$b" "$a" "$name" <<'PY'
import json,sys
r=json.load(open(sys.argv[1])); b=float(sys.argv[2]); a=float(sys.argv[3])
n=r["accepted"]+r["warmup_messages"]
print(f'{sys.argv[4]:<14} {r["throughput"]:9.0f} msg/s  p50 {r["latency_us"]["p50"]/1000:7.2f} ms  p99 {r["latency_us"]["p99"]/1000:7.2f} ms  gw cpu {1e6*(a-b)/max(n,1):7.1f} us/msg  errors {r["errors_total"]}')
PY
}
for i in $(seq 1 "$rounds"); do
  run "single-c64-$i" -c 64
  run "batch16-c64-$i" -c 64 --batch 16
  run "batch64-c64-$i" -c 64 --batch 64
  run "batch16-c16-$i" -c 16 --batch 16
done
echo "load at end: $(uptime)"
