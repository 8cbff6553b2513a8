#!/usr/bin/env bash
# Cost per message of the gateway against its crypto floor (docs/benchmarks.md (e), issue 20
# target 3), in measures a shared machine does not blur.
#
# Usage: bench/e2e/cost.sh BUILD_DIR [MESSAGES]
#
# BUILD_DIR must hold gateway/app/accord-gateway, tools/accord/accord and
# bench/crypto/bench_floor (configure with -DACCORD_BUILD_BENCH=ON, RelWithDebInfo). Each
# run sends MESSAGES (default 2000) `accord bench` messages (2 copies each) on $CONNECTIONS
# (default 8) connections after $WARMUP_MESSAGES (default 300) unmeasured ones, to a gateway
# configured as bench/e2e/run.sh does, and prints per message:
#   - user-space instructions of the whole gateway process (valgrind --tool=callgrind, all
#     threads; counts zeroed after the warmup, dumped after the run; fresh spool);
#   - the floor's instructions counted the same way: 2 Ed25519 signatures of a copy, 3 audit
#     chain steps, one 1 KB TLS 1.3 record sealed and one opened (AES-256-GCM): each kernel of
#     bench_floor under callgrind, collecting inside its benchmark only, in a short and a long
#     run; instructions per call = difference of instructions / difference of the calls of
#     the kernel's one-per-iteration function (the runs' shared one-time work cancels);
#   - syscalls (strace -c -f -p on the running gateway, a second run of MESSAGES);
#   - voluntary + involuntary context switches summed over /proc/PID/task/*/status, and the
#     process's CPU time (/proc/PID/stat utime + stime), from a run without tracing; the
#     floor's CPU time is bench_floor's CPU time of the same kernels, measured in this run.
#
# Environment: CONNECTIONS, WARMUP_MESSAGES, GATEWAY_THREADS (default 2), BATCH=N (passed as
# `--batch N` when this accord bench has that flag), KEEP=DIR (keep the callgrind dumps, the
# strace summary and the bench reports there).
set -euo pipefail
if [[ $# -lt 1 || "$1" == -h || "$1" == --help ]]; then
  sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'
  exit 64
fi
build="$(cd "$1" && pwd)"
messages="${2:-2000}"
connections="${CONNECTIONS:-8}"
warmup_messages="${WARMUP_MESSAGES:-300}"
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
floor_bin="$build/bench/crypto/bench_floor"
[[ -x "$floor_bin" ]] || { echo "$0: $floor_bin is missing (-DACCORD_BUILD_BENCH=ON)" >&2; exit 1; }
for tool in valgrind callgrind_control strace; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is not installed" >&2; exit 1; }
done
tmp="$(mktemp -d /tmp/accord-cost-XXXXXX)"
source "$src/bench/e2e/lib.sh"
strace_pid=""
cleanup() {
  [[ -n "$strace_pid" ]] && kill -INT "$strace_pid" 2>/dev/null || true
  stop_gateway
  if [[ -n "${KEEP:-}" ]]; then
    mkdir -p "$KEEP" && cp -r "$tmp"/cg.* "$tmp"/*.json "$tmp"/*.txt "$tmp"/*.log "$KEEP"/ 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

batch_args=()
if [[ -n "${BATCH:-}" ]] && "$accord_bin" bench --help 2>&1 | grep -q -- '--batch'; then
  batch_args=(--batch "$BATCH")
fi

# bench NAME COUNT: COUNT messages, closed loop; the JSON report goes to NAME.json.
bench() {
  "$accord_bin" bench --gateway "127.0.0.1:$port" --as police.met --pki-dir "$tmp/pki" \
    --connections "$connections" --messages "$2" --warmup 0 --timeout 300 --json \
    "${batch_args[@]}" >"$tmp/$1.json" 2>"$tmp/$1.log" ||
    { echo "$0: accord bench $1 failed:" >&2; tail -n 5 "$tmp/$1.log" >&2; exit 1; }
}

# Voluntary + involuntary context switches of every live thread of PID.
ctx_switches() {
  python3 - "$1" <<'PY'
import glob, sys
total = 0
for status in glob.glob(f"/proc/{sys.argv[1]}/task/*/status"):
    try:
        for line in open(status):
            if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                total += int(line.split()[1])
    except FileNotFoundError:  # a thread that ended meanwhile
        pass
print(total)
PY
}

load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
make_pki

# ---- 1. plain run: CPU time and context switches; then strace on the same gateway -------
write_config "$tmp/spool-plain" ""
start_gateway plain
bench plain-warmup "$warmup_messages"
cpu0="$(proc_cpu "$gateway_pid")"
ctx0="$(ctx_switches "$gateway_pid")"
bench plain "$messages"
cpu1="$(proc_cpu "$gateway_pid")"
ctx1="$(ctx_switches "$gateway_pid")"

strace -c -f -p "$gateway_pid" -o "$tmp/strace.txt" 2>/dev/null &
strace_pid=$!
sleep 1  # strace attaches to every thread before the run starts
bench strace "$messages"
kill -INT "$strace_pid"
wait "$strace_pid" 2>/dev/null || true
strace_pid=""
stop_gateway

# ---- 2. callgrind run on a fresh spool --------------------------------------------------
write_config "$tmp/spool-cg" ""
rm -f "$tmp/ready"
valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.gateway.%p" \
  "$gateway_bin" --config "$tmp/gateway.yaml" --ready-file "$tmp/ready" \
  2>>"$tmp/callgrind.gateway.log" &
gateway_pid=$!
wait_ready callgrind 1200
bench cg-warmup "$warmup_messages"
callgrind_control -z "$gateway_pid" >/dev/null
bench cg "$messages"
callgrind_control -d "$gateway_pid" >/dev/null
stop_gateway
# The dump taken after the run is the one with a ".1" suffix (the exit writes the unsuffixed).
gateway_dump="$(ls "$tmp"/cg.gateway.*.1 2>/dev/null | head -n 1)"
[[ -n "$gateway_dump" ]] || { echo "$0: no callgrind dump" >&2; exit 1; }

# ---- 3. the floor: the same kernels, counted the same way and timed ---------------------
# kernel benchmark | function called once per iteration | times per message
kernels=(
  "BM_floor_ed25519_sign_copy|crypto_sign_detached|2"
  "BM_audit_chain_step_400B|accord::audit::chain_next|3"
  "BM_tls13_record_seal_1KB/2|EVP_EncryptFinal_ex|1"
  "BM_tls13_record_open_1KB/2|EVP_DecryptFinal_ex|1"
)
# Each kernel runs twice with collection on inside its benchmark only, a short and a long
# run: the difference of instructions over the difference of calls leaves out the one-time
# work (library initialisation, key generation) both runs share. The long run is long enough
# that Google Benchmark goes past its first iteration even when that one, which pays the
# one-time work under valgrind (OpenSSL's first fetch: ~0.1 s), outlasts the short run's time.
for k in "${kernels[@]}"; do
  IFS='|' read -r name fn times <<<"$k"
  for run in short long; do
    min_time=0.005; [[ "$run" == long ]] && min_time=0.5
    ACCORD_SOURCE_DIR="$src" valgrind --tool=callgrind --compress-strings=no --compress-pos=no \
      --toggle-collect="*${name%%/*}*" --callgrind-out-file="$tmp/cg.floor.${name//\//_}.$run" \
      "$floor_bin" --benchmark_filter="^${name}\$" --benchmark_min_time="$min_time" \
      >/dev/null 2>>"$tmp/callgrind.floor.log"
  done
done
ACCORD_SOURCE_DIR="$src" "$floor_bin" \
  --benchmark_filter='^(BM_floor_ed25519_sign_copy|BM_audit_chain_step_400B|BM_tls13_record_seal_1KB/2|BM_tls13_record_open_1KB/2)$' \
  --benchmark_repetitions=3 --benchmark_report_aggregates_only=true --benchmark_min_time=0.3 \
  --benchmark_format=json >"$tmp/floor.json" 2>/dev/null
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"
callgrind_annotate --inclusive=yes --threshold=100 "$gateway_dump" >"$tmp/annotate.txt" 2>/dev/null

python3 - "$tmp" "$messages" "$connections" "$gateway_dump" "$cpu0" "$cpu1" "$ctx0" "$ctx1" \
  "$load_start" "$load_end" "${kernels[@]}" <<'PY'
import json, re, sys
tmp, n, conns, dump = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
cpu0, cpu1, ctx0, ctx1 = (float(x) for x in sys.argv[5:9])
load_start, load_end, kernels = sys.argv[9], sys.argv[10], sys.argv[11:]

def total_ir(path):
    for line in open(path):
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise SystemExit(f"cost.sh: no total in {path}")

def calls_to(path, fn):
    # With --compress-strings=no each call is "cfn=NAME" followed by "calls=COUNT ...".
    count, target = 0, None
    for line in open(path):
        if line.startswith("cfn="):
            target = line[4:].strip()
        elif line.startswith("calls=") and target is not None:
            if target == fn or target.startswith(fn + "("):
                count += int(line.split()[0][6:])
    return count

cpu_ns = {}
for b in json.load(open(f"{tmp}/floor.json"))["benchmarks"]:
    if b.get("aggregate_name") == "median":
        cpu_ns[b["run_name"]] = b["cpu_time"] * {"ns": 1, "us": 1e3, "ms": 1e6}[b["time_unit"]]

floor_ir = floor_us = 0.0
rows = []
for k in kernels:
    name, fn, times = k.split("|")
    path = f"{tmp}/cg.floor.{name.replace('/', '_')}"
    calls = calls_to(path + ".long", fn) - calls_to(path + ".short", fn)
    if calls <= 0:
        raise SystemExit(f"cost.sh: no more calls of {fn} in the long run of {name}")
    per_call = (total_ir(path + ".long") - total_ir(path + ".short")) / calls
    floor_ir += per_call * int(times)
    floor_us += cpu_ns[name] / 1e3 * int(times)
    rows.append(f"  {name:32} {int(times)} x {per_call / 1e3:8.1f} k instr  {cpu_ns[name] / 1e3:6.2f} us")

gateway_ir = total_ir(dump) / n
# The TLS handshakes of the run's connections (one per connection, not per message): the
# figure without them is what a long-lived connection pays per message.
handshake_ir = 0
for line in open(f"{tmp}/annotate.txt"):
    f = line.split()
    if len(f) >= 3 and f[-2].endswith(":SSL_do_handshake"):
        handshake_ir = int(f[0].replace(",", ""))
        break
# strace -c rows: % time, seconds, usecs/call, calls, [errors], syscall (or "total").
syscalls, top = None, []
for line in open(f"{tmp}/strace.txt"):
    f = line.split()
    if len(f) >= 5 and f[0].replace(".", "").isdigit():
        if f[-1] == "total":
            syscalls = int(f[3])
        else:
            top.append((int(f[3]), f[-1]))
if syscalls is None:
    raise SystemExit("cost.sh: no strace summary")
top.sort(reverse=True)

gw_us = (cpu1 - cpu0) / n * 1e6
print(f"accord-gateway cost per message: {n} messages, {conns} connections, 2 copies each; "
      f"load {load_start} -> {load_end}")
print(f"floor kernels (callgrind instructions per call, CPU median per call):")
print("\n".join(rows))
print(f"instructions/msg   gateway {gateway_ir / 1e6:.3f} M   floor {floor_ir / 1e6:.3f} M   "
      f"ratio {gateway_ir / floor_ir:.2f}")
steady = gateway_ir - handshake_ir / n
print(f"  without the {conns} TLS handshakes: {steady / 1e6:.3f} M   ratio {steady / floor_ir:.2f}")
print(f"cpu us/msg         gateway {gw_us:.1f}   floor {floor_us:.1f}   ratio {gw_us / floor_us:.2f}")
print(f"ctx switches/msg   {(ctx1 - ctx0) / n:.2f}")
print(f"syscalls/msg       {syscalls / n:.2f}   (" +
      ", ".join(f"{name} {c / n:.2f}" for c, name in top[:6]) + ")")
PY
