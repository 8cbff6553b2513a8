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
gateway_bin="$build/gateway/app/accord-gateway"; accord_bin="$build/tools/accord/accord"
tmp="$(mktemp -d /tmp/accord-batch-ab-XXXXXX)"
gateway_pid=""
cleanup() {
  [[ -n "$gateway_pid" ]] && kill -TERM "$gateway_pid" 2>/dev/null
  wait "$gateway_pid" 2>/dev/null || true
  rm -rf /tmp/batchbench/last
  cp -r "$tmp" /tmp/batchbench/last
  rm -rf "$tmp"
}
trap cleanup EXIT
"$src/certs/gen-dev-pki.sh" "$tmp/pki" police.met cps.london wcu.met provider.lvws provider.survivors-uk probation.london court.london >/dev/null
ACCORD_BIN="$accord_bin" "$src/scripts/sign-sample-agreements.sh" "$tmp/signing" >/dev/null
cat >"$tmp/gateway.yaml" <<YAML
listen: {address: 127.0.0.1, port: 0}
threads: 2
tls:
  ca: $tmp/pki/ca.pem
  crl: $tmp/pki/crl.pem
  cert: $tmp/pki/server.pem
  key: $tmp/pki/server.key
storage: {backend: sqlite, path: $tmp/spool/spool.db}
vocabulary: $src/config/vocabulary.yaml
agencies: $src/config/agencies.yaml
agreements: $src/config/agreements
pseudonym_key: $tmp/pseudonym.key
keys: $tmp/signing/keys
signatures: $tmp/signing/signatures
limits: {rate_per_agency: 0, max_connections_per_agency: 1024}
log: {level: warn}
YAML
"$gateway_bin" --config "$tmp/gateway.yaml" --ready-file "$tmp/ready" 2>"$tmp/gateway.log" &
gateway_pid=$!
for _ in $(seq 1 300); do [[ -s "$tmp/ready" ]] && break; sleep 0.1; done
port="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$tmp/ready")"
cpu() { python3 -c 'import os,sys; f=open(f"/proc/{sys.argv[1]}/stat").read().rsplit(")",1)[1].split(); print((int(f[11])+int(f[12]))/os.sysconf("SC_CLK_TCK"))' "$gateway_pid"; }
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
