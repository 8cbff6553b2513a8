#!/usr/bin/env bash
# Open-loop latency at half of peak on a spool already holding a million copies (issue 20,
# target 4; docs/benchmarks.md).
#
# Usage: bench/e2e/p99.sh BUILD_DIR [SECONDS]
#
# Fills a spool once with BUILD_DIR/bench/spool/spool_fill ($COPIES copies, default 1000000,
# police.met to cps.london and wcu.met, the oldest half of each recipient's acked) and keeps
# it in $SPOOL_CACHE (default /tmp/accord-p99-spool-$COPIES; reused when complete). Each run
# copies it (each binary's copy opened and stopped once first, so a schema migration is not
# measured), starts the gateway on the copy (configured as bench/e2e/run.sh does), runs
# `accord bench` closed loop with $CLOSED_CONNECTIONS (default 64) connections for SECONDS
# (default 20), then open loop at half of the first run's closed-loop peak ($RATE overrides)
# with $OPEN_CONNECTIONS (default 32), and stops it. Prints one table: latencies, and bytes
# the gateway wrote and read per message (/proc/PID/io write_bytes, read_bytes, rchar).
#
# A/B: GATEWAYS="binA binB" alternates gateway binaries (A B A B ...) for $ROUNDS rounds
# (default 1). Environment also: WARMUP (seconds, default 3), GATEWAY_THREADS (default 2),
# READY_TIMEOUT (seconds to open the big spool, default 600), BENCH_OUT (keep JSON reports).
set -euo pipefail

if [[ $# -lt 1 || "$1" == -h || "$1" == --help ]]; then
  sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
  exit 64
fi
build="$(cd "$1" && pwd)"
seconds="${2:-20}"
copies="${COPIES:-1000000}"
cache="${SPOOL_CACHE:-/tmp/accord-p99-spool-$copies}"
closed_connections="${CLOSED_CONNECTIONS:-64}"
open_connections="${OPEN_CONNECTIONS:-32}"
warmup="${WARMUP:-3}"
rounds="${ROUNDS:-1}"
ready_timeout="${READY_TIMEOUT:-600}"
gateways="${GATEWAYS:-$build/gateway/app/accord-gateway}"
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fill_bin="$build/bench/spool/spool_fill"
[[ -x "$fill_bin" ]] || { echo "p99.sh: $fill_bin is missing; build spool_fill" >&2; exit 1; }
for g in $gateways; do
  [[ -x "$g" ]] || { echo "p99.sh: gateway binary $g is missing" >&2; exit 1; }
done

tmp="$(mktemp -d /tmp/accord-p99-XXXXXX)"
# shellcheck source=bench/e2e/lib.sh
source "$src/bench/e2e/lib.sh"
cleanup() {
  stop_gateway
  if [[ -n "${BENCH_OUT:-}" ]]; then
    mkdir -p "$BENCH_OUT"
    cp "$tmp"/*.json "$tmp"/*.log "$tmp"/*.io "$tmp"/*.load "$BENCH_OUT"/ 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# The filled spool: made once, marked complete only when spool_fill succeeded.
if [[ ! -f "$cache/complete" ]]; then
  rm -rf "$cache"
  mkdir -p "$cache"
  echo "== filling $cache with $copies copies" >&2
  "$fill_bin" --count "$copies" --dir "$cache" --keep --no-reopen >&2
  touch "$cache/complete"
fi
# The gateway makes a pseudonym secret only on a first start (no spool yet): a filled spool
# needs one made beside it, as an operator restores one from backup.
if [[ ! -f "$cache/pseudonym.key" ]]; then
  (umask 077 && head -c 32 /dev/urandom >"$cache/pseudonym.key")
fi
make_pki

# One accord bench run against the running gateway: NAME, then options. Saves NAME.json,
# NAME.log, NAME.load and NAME.io (the gateway's /proc io counters before and after).
io_counters() {
  awk '/^(rchar|read_bytes|write_bytes):/ {printf "%s ", $2}' "/proc/$gateway_pid/io"
}
bench() {
  local name="$1"
  shift
  cut -d' ' -f1 /proc/loadavg >"$tmp/$name.load"
  echo "== $name: accord bench $*" >&2
  local before
  before="$(io_counters)"
  "$accord_bin" bench --gateway "127.0.0.1:$port" --as police.met --pki-dir "$tmp/pki" \
    --warmup "$warmup" --duration "$seconds" --json "$@" >"$tmp/$name.json" \
    2>"$tmp/$name.log" || [[ -s "$tmp/$name.json" ]] || { cat "$tmp/$name.log" >&2; exit 1; }
  echo "$before $(io_counters)" >"$tmp/$name.io"
  tail -n 1 "$tmp/$name.log" >&2
}

# Starts gateway binary $1 on the spool in $tmp/spool (config written), logging to $2; sets
# gateway_pid and port.
start_on_spool() {
  write_config "$tmp/spool" ""
  gateway_bin="$1"
  rm -f "$tmp/ready"
  local opened_at=$SECONDS
  "$gateway_bin" --config "$tmp/gateway.yaml" --ready-file "$tmp/ready" 2>>"$tmp/$2" &
  gateway_pid=$!
  port=""
  while [[ -z "$port" ]]; do
    if [[ -s "$tmp/ready" ]]; then
      port="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$tmp/ready")"
    elif ! kill -0 "$gateway_pid" 2>/dev/null || ((SECONDS - opened_at > ready_timeout)); then
      cat "$tmp/$2" >&2
      echo "p99.sh: the gateway did not become ready" >&2
      exit 1
    else
      sleep 0.2
    fi
  done
  echo "== $1 ready on the filled spool after $((SECONDS - opened_at)) s" >&2
}

# Each binary first opens its own copy of the filled spool once and stops (a newer schema
# migrates it here, and the clean stop checkpoints the WAL), so no run measures a migration.
index=0
for g in $gateways; do
  index=$((index + 1))
  rm -rf "$tmp/spool"
  cp -r "$cache" "$tmp/spool"
  start_on_spool "$g" "prepare-$index.gateway.log"
  stop_gateway
  mv "$tmp/spool" "$tmp/prepared-$index"
done

names=()
rate="${RATE:-}"
for round in $(seq 1 "$rounds"); do
  index=0
  for g in $gateways; do
    index=$((index + 1))
    label="$(printf "\\x$(printf %x $((64 + index)))")"  # A, B, C ...
    run="r$round$label"
    rm -rf "$tmp/spool"
    cp -r "$tmp/prepared-$index" "$tmp/spool"
    start_on_spool "$g" "$run.gateway.log"
    bench "$run-closed" --connections "$closed_connections"
    if [[ -z "$rate" ]]; then
      rate="$(python3 -c "import json; print(max(1, round(json.load(open('$tmp/$run-closed.json'))['throughput'] / 2)))")"
    fi
    bench "$run-open" --connections "$open_connections" --rate "$rate"
    names+=("$run-closed" "$run-open")
    stop_gateway
  done
done

echo
echo "accord-gateway p99: ${seconds}s runs on a spool filled with $copies copies, $(nproc) cores, $(date -u +%FT%TZ)"
index=0
for g in $gateways; do
  index=$((index + 1))
  echo "  $(printf "\\x$(printf %x $((64 + index)))") = $g"
done
python3 - "$tmp" "${names[@]}" <<'PY'
import json, sys
tmp, names = sys.argv[1], sys.argv[2:]
head = ("run", "mode", "conns", "target/s", "msgs/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms",
        "max ms", "errors", "written KB/msg", "read KB/msg", "rchar KB/msg", "load1")
rows = []
for n in names:
    r = json.load(open(f"{tmp}/{n}.json"))
    l = r["latency_us"]
    io = [int(x) for x in open(f"{tmp}/{n}.io").read().split()]
    rchar, rbytes, wbytes = (io[i + 3] - io[i] for i in range(3))
    sent = max(1, r["accepted"] + r["warmup_messages"] + r["errors_total"])
    rows.append((n.rsplit("-", 1)[0], r["mode"], str(r["connections"]),
                 f'{r["target_rate"]:.0f}' if r["mode"] == "open" else "-",
                 f'{r["throughput"]:.0f}',
                 *(f'{l[k] / 1000:.2f}' for k in ("p50", "p90", "p99", "p99.9", "max")),
                 str(r["errors_total"]), f"{wbytes / sent / 1000:.1f}",
                 f"{rbytes / sent / 1000:.1f}", f"{rchar / sent / 1000:.1f}",
                 open(f"{tmp}/{n}.load").read().strip()))
width = [max(len(x) for x in col) for col in zip(head, *rows)]
for row in (head, *rows):
    print("  ".join(x.rjust(w) for x, w in zip(row, width)))
for n in names:
    r = json.load(open(f"{tmp}/{n}.json"))
    for kind, e in r["errors"].items():
        print(f'{n}: {e["count"]} x {kind} (first: {e["first"]})')
PY
