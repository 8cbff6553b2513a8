#!/usr/bin/env bash
# End-to-end benchmark of durable 1 KB submissions over mTLS (docs/benchmarks.md).
#
# Usage: bench/e2e/run.sh BUILD_DIR [SECONDS]
#
# Builds nothing: BUILD_DIR must hold gateway/app/accord-gateway and tools/accord/accord.
# Makes a temporary dev PKI and gateway config (port 0, fresh spool, rate limiting off, log
# warn), starts the gateway, runs `accord bench` closed loop for SECONDS (default 20) at each
# of $CONNECTIONS (default "1 8 32 64") connections, then open loop at half of the best
# closed-loop throughput with $OPEN_CONNECTIONS (default 32) connections, prints one table
# and stops the gateway. Every run uses one gateway and one spool, so later rows run against
# a spool holding the earlier rows' copies (nothing consumes them).
#
# Environment: CONNECTIONS, OPEN_CONNECTIONS, WARMUP (seconds, default 3), GATEWAY_THREADS
# (default 2), BENCH_OUT (a directory to keep the per-run JSON reports and progress logs in),
# BATCH=N (N >= 2: every run is `accord bench --batch N`, one POST /v1/messages:batch of N
# envelopes in flight per connection), PIN=1 (the gateway, all its threads, on CPU
# $SERVER_CPUS (1) and `accord bench` on CPU $CLIENT_CPUS (0), with taskset).
set -euo pipefail

if [[ $# -lt 1 || "$1" == -h || "$1" == --help ]]; then
  sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
  exit 64
fi
build="$(cd "$1" && pwd)"
seconds="${2:-20}"
connections="${CONNECTIONS:-1 8 32 64}"
open_connections="${OPEN_CONNECTIONS:-32}"
warmup="${WARMUP:-3}"
gateway_threads="${GATEWAY_THREADS:-2}"
batch_args=()
if [[ -n "${BATCH:-}" ]]; then
  if [[ ! "$BATCH" =~ ^[0-9]+$ ]] || ((BATCH < 2)); then
    echo "run.sh: BATCH must be a whole number >= 2, not '$BATCH'" >&2
    exit 64
  fi
  batch_args=(--batch "$BATCH")
fi
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=bench/e2e/pin.sh
source "$src/bench/e2e/pin.sh"
pin_note="not pinned"
[[ "${PIN:-0}" == 1 ]] && pin_note="gateway on CPU ${SERVER_CPUS:-1}, accord bench on CPU ${CLIENT_CPUS:-0} (taskset)"
gateway_bin="$build/gateway/app/accord-gateway"
accord_bin="$build/tools/accord/accord"
for b in "$gateway_bin" "$accord_bin"; do
  [[ -x "$b" ]] || { echo "run.sh: $b is missing; build the accord-gateway and accord targets" >&2; exit 1; }
done
if ((${#batch_args[@]})) && ! "$accord_bin" bench --help 2>&1 | grep -q -- '--batch'; then
  echo "run.sh: BATCH needs an accord with 'bench --batch' (POST /v1/messages:batch)" >&2
  exit 1
fi

tmp="$(mktemp -d /tmp/accord-e2e-bench-XXXXXX)"
gateway_pid=""
cleanup() {
  if [[ -n "$gateway_pid" ]] && kill -0 "$gateway_pid" 2>/dev/null; then
    kill -TERM "$gateway_pid" 2>/dev/null || true
    wait "$gateway_pid" 2>/dev/null || true
  fi
  if [[ -n "${BENCH_OUT:-}" ]]; then
    mkdir -p "$BENCH_OUT"
    cp "$tmp"/*.json "$tmp"/*.log "$tmp"/*.cpu "$tmp"/*.load "$BENCH_OUT"/ 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

"$src/certs/gen-dev-pki.sh" "$tmp/pki" police.met cps.london wcu.met provider.lvws \
  provider.survivors-uk probation.london court.london >/dev/null
# Every party co-signs the sample agreements with development keys: unsigned, none grants.
ACCORD_BIN="$accord_bin" "$src/scripts/sign-sample-agreements.sh" "$tmp/signing" >/dev/null

cat >"$tmp/gateway.yaml" <<YAML
listen: {address: 127.0.0.1, port: 0}
threads: $gateway_threads
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
limits: {rate_per_agency: 0, max_connections_per_agency: 1024}  # one agency stands in for many
log: {level: warn}
YAML

"${server_on[@]}" "$gateway_bin" --config "$tmp/gateway.yaml" --ready-file "$tmp/ready" 2>"$tmp/gateway.log" &
gateway_pid=$!
port=""
for _ in $(seq 1 200); do
  if [[ -s "$tmp/ready" ]]; then
    port="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$tmp/ready")"
    break
  fi
  kill -0 "$gateway_pid" 2>/dev/null || { cat "$tmp/gateway.log" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$port" ]] || { echo "run.sh: the gateway did not become ready" >&2; exit 1; }

# CPU seconds (user + system) the gateway has used so far, from /proc/PID/stat.
gateway_cpu() {
  python3 -c 'import os,sys; f=open(f"/proc/{sys.argv[1]}/stat").read().rsplit(")",1)[1].split(); print((int(f[11])+int(f[12]))/os.sysconf("SC_CLK_TCK"))' "$gateway_pid"
}

# One run: NAME, then accord bench options. Saves NAME.json (report), NAME.log (progress),
# NAME.load (1-minute load average just before the run) and NAME.cpu (CPU seconds used by
# the gateway and by the bench client during the run). A run with failed messages still has
# a report; only a run without one stops the script.
bench() {
  local name="$1"
  shift
  cut -d' ' -f1 /proc/loadavg >"$tmp/$name.load"
  echo "== $name: accord bench $*" >&2
  local before client
  before="$(gateway_cpu)"
  client="$( { TIMEFORMAT='%U %S'; time "${client_on[@]}" "$accord_bin" bench --gateway "127.0.0.1:$port" \
    --as police.met --pki-dir "$tmp/pki" --warmup "$warmup" --duration "$seconds" --json \
    "${batch_args[@]}" "$@" \
    >"$tmp/$name.json" 2>"$tmp/$name.log"; } 2>&1 )" ||
    [[ -s "$tmp/$name.json" ]] || { cat "$tmp/$name.log" >&2; exit 1; }
  echo "$before $(gateway_cpu) $client" >"$tmp/$name.cpu"
  tail -n 1 "$tmp/$name.log" >&2
}

names=()
for c in $connections; do
  bench "closed-$c" --connections "$c"
  names+=("closed-$c")
done
peak="$(python3 - "$tmp" "${names[@]}" <<'PY'
import json, sys
print(max(json.load(open(f"{sys.argv[1]}/{n}.json"))["throughput"] for n in sys.argv[2:]))
PY
)"
rate="$(python3 -c "print(max(1, round($peak / 2)))")"
bench "open-$rate" --connections "$open_connections" --rate "$rate"
names+=("open-$rate")

echo
echo "accord-gateway e2e: durable ${seconds}s runs of $(python3 -c "import json;print(json.load(open('$tmp/${names[0]}.json'))['body_bytes'])")-byte case updates over mTLS, $(nproc) cores, $(date -u +%FT%TZ)"
echo "${BATCH:+batches of $BATCH envelopes per request (accord bench --batch $BATCH); }$pin_note"
python3 - "$tmp" "${names[@]}" <<'PY'
import json, sys
tmp, names = sys.argv[1], sys.argv[2:]
# CPU per message: the gateway's and the client's CPU seconds over every message of the run
# (warmup included), in microseconds; both share the same cores.
head = ("mode", "conns", "target/s", "msgs/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms",
        "errors", "gw cpu us/msg", "client us/msg", "load1")
rows = []
for n in names:
    r = json.load(open(f"{tmp}/{n}.json"))
    l = r["latency_us"]
    gw0, gw1, cu, cs = (float(x) for x in open(f"{tmp}/{n}.cpu").read().split())
    sent = max(1, r["accepted"] + r["warmup_messages"] + r["errors_total"])
    rows.append((r["mode"], str(r["connections"]),
                 f'{r["target_rate"]:.0f}' if r["mode"] == "open" else "-",
                 f'{r["throughput"]:.0f}',
                 *(f'{l[k] / 1000:.2f}' for k in ("p50", "p90", "p99", "p99.9", "max")),
                 str(r["errors_total"]), f'{(gw1 - gw0) / sent * 1e6:.0f}',
                 f'{(cu + cs) / sent * 1e6:.0f}', open(f"{tmp}/{n}.load").read().strip()))
width = [max(len(x) for x in col) for col in zip(head, *rows)]
for row in (head, *rows):
    print("  ".join(x.rjust(w) for x, w in zip(row, width)))
for n in names:
    r = json.load(open(f"{tmp}/{n}.json"))
    for kind, e in r["errors"].items():
        print(f'{n}: {e["count"]} x {kind} (first: {e["first"]})')
PY
du -sh "$tmp/spool" | awk '{print "spool after all runs: " $1}'
