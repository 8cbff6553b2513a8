#!/usr/bin/env bash
# Ingest with and without the audit log (docs/benchmarks.md (g)).
#
# Usage: bench/e2e/audit.sh BUILD_DIR [SECONDS]
#
# For each of $ORDER (default "on off on off") starts accord-gateway on a fresh spool with
# `audit: {enabled: true|false}`, runs `accord bench` closed loop at $CONNECTIONS (default 64)
# for SECONDS (default 20, 3 s warmup), counts audit_records, and for "on" runs times
# `accord audit verify --db` against the gateway's key (GET /v1/gateway-key). Prints one
# table. BENCH_OUT keeps the JSON reports.
set -euo pipefail
if [[ $# -lt 1 || "$1" == -h || "$1" == --help ]]; then
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
  exit 64
fi
build="$(cd "$1" && pwd)"
seconds="${2:-20}"
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tmp="$(mktemp -d /tmp/accord-audit-bench-XXXXXX)"
source "$src/bench/e2e/lib.sh"
cleanup() {
  stop_gateway
  [[ -n "${BENCH_OUT:-}" ]] && mkdir -p "$BENCH_OUT" && cp "$tmp"/*.json "$tmp"/*.txt "$BENCH_OUT"/ 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
make_pki

i=0
for mode in ${ORDER:-on off on off}; do
  i=$((i + 1))
  name="run$i-audit-$mode"
  enabled=true; [[ "$mode" == off ]] && enabled=false
  spool="$tmp/spool-$i"
  write_config "$spool" "audit: {enabled: $enabled}"
  start_gateway "$name"
  load="$(cut -d' ' -f1 /proc/loadavg)"
  cpu0="$(proc_cpu "$gateway_pid")"
  "$accord_bin" bench --gateway "127.0.0.1:$port" --as police.met --pki-dir "$tmp/pki" \
    --connections "${CONNECTIONS:-64}" --duration "$seconds" --warmup 3 --json \
    >"$tmp/$name.json" 2>"$tmp/$name.log" || [[ -s "$tmp/$name.json" ]]
  cpu1="$(proc_cpu "$gateway_pid")"
  verify="-"
  if [[ "$mode" == on ]]; then
    curl -s --cacert "$tmp/pki/ca.pem" --cert "$tmp/pki/agency-police.met.pem" \
      --key "$tmp/pki/agency-police.met.key" "https://127.0.0.1:$port/v1/gateway-key" \
      >"$tmp/gateway-key.json"
  fi
  stop_gateway
  records="$(sqlite3 "$spool/spool.db" 'select count(*) from audit_records')"
  copies="$(sqlite3 "$spool/spool.db" 'select count(*) from copies')"
  if [[ "$mode" == on ]]; then
    t0=$(date +%s.%N)
    "$accord_bin" audit verify --db "$spool/spool.db" --gateway-key "$tmp/gateway-key.json" \
      >"$tmp/$name.verify.txt" 2>&1 || { cat "$tmp/$name.verify.txt" >&2; exit 1; }
    t1=$(date +%s.%N)
    verify="$(python3 -c "print(f'{$t1-$t0:.2f} s, {$records/($t1-$t0):,.0f} rec/s')")"
  fi
  python3 - "$tmp/$name.json" "$name" "$records" "$copies" "$verify" "$load" "$cpu0" "$cpu1" <<'PY' | tee -a "$tmp/table.txt"
import json, sys
f, name, records, copies, verify, load, c0, c1 = sys.argv[1:]
r = json.load(open(f)); l = r["latency_us"]
sent = max(1, r["accepted"] + r["warmup_messages"] + r["errors_total"])
print(f'{name}: {r["throughput"]:,.0f} msg/s, p50 {l["p50"]/1000:.2f} ms, p99 {l["p99"]/1000:.2f} ms, '
      f'errors {r["errors_total"]}, gw cpu {(float(c1)-float(c0))/sent*1e6:.0f} us/msg, '
      f'copies {int(copies):,}, audit records {int(records):,}, verify {verify}, load {load}')
PY
  du -sh "$spool" | awk '{print "  spool: " $1}'
  rm -rf "$spool"
done
