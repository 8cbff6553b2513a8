#!/usr/bin/env bash
# Issue 20 target 5: the referral workload (five encrypted contact fields per copy) against
# the unencrypted case-update workload, and against a gateway that seals a data key per copy.
#
# Usage: bench/e2e/referral.sh BUILD_DIR [SECONDS]
#
# Every run gets a fresh spool and gateway; runs alternate (A B C, A B C, ... $ROUNDS times,
# default 3) so the shared machine's load falls on all of them alike:
#   referral-epoch   BUILD_DIR's gateway, `accord bench --workload referral`
#   case-updates     BUILD_DIR's gateway, the default workload (no field encrypted)
#   referral-copy    $BASE_GATEWAY (optional: a gateway built before issue 20, one
#                    crypto_box_seal per copy), `accord bench --workload referral`
# Each is closed loop, $CONNECTIONS (default 32) connections, SECONDS (default 10) after a
# $WARMUP (default 2) s warmup. provider.lvws's encryption key is registered. Prints one line
# per run (msgs/s, copies/s, gateway CPU ms per message) and the medians with their ratios.
set -euo pipefail
if [[ $# -lt 1 || "$1" == -h || "$1" == --help ]]; then
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
  exit 64
fi
build="$(cd "$1" && pwd)"
seconds="${2:-10}"
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tmp="$(mktemp -d /tmp/accord-referral-bench-XXXXXX)"
source "$src/bench/e2e/lib.sh"
own_gateway="$gateway_bin"
cleanup() {
  stop_gateway
  rm -rf "$tmp"
}
trap cleanup EXIT
make_pki
"$accord_bin" keys gen --agency provider.lvws --dir "$tmp/lvws-keys" >/dev/null
cp "$tmp"/lvws-keys/*.pub.json "$tmp/signing/keys/"

variants="referral-epoch case-updates"
[[ -n "${BASE_GATEWAY:-}" ]] && variants="$variants referral-copy"
echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-16s %5s %10s %10s %12s\n' run round msgs/s copies/s gw_cpu_ms/msg
for round in $(seq 1 "${ROUNDS:-3}"); do
  for v in $variants; do
    gateway_bin="$own_gateway"
    workload=(--workload referral)
    case "$v" in
      case-updates) workload=() ;;
      referral-copy) gateway_bin="$BASE_GATEWAY" ;;
    esac
    write_config "$tmp/spool-$v-$round" ""
    start_gateway "$v-$round"
    before="$(proc_cpu "$gateway_pid")"
    "$accord_bin" bench --gateway "127.0.0.1:$port" --as police.met --pki-dir "$tmp/pki" \
      --connections "${CONNECTIONS:-32}" --warmup "${WARMUP:-2}" --duration "$seconds" --json \
      "${workload[@]}" >"$tmp/$v-$round.json" 2>"$tmp/$v-$round.log" ||
      { cat "$tmp/$v-$round.log" >&2; exit 1; }
    after="$(proc_cpu "$gateway_pid")"
    copies="$(sqlite3 "$tmp/spool-$v-$round/spool.db" "select count(*) from copies")"
    stop_gateway
    python3 - "$tmp/$v-$round.json" "$v" "$round" "$before" "$after" "$copies" <<'PY' | tee -a "$tmp/rows"
import json, sys
r = json.load(open(sys.argv[1]))
name, rnd, before, after, copies = sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
accepted = r["accepted"] + r["warmup_messages"]  # the spool and the CPU include the warmup
if r["errors_total"]:
    print("# %s had errors: %s" % (name, r["errors"]), file=sys.stderr)
per_msg = copies / accepted if accepted else 0
print("%-16s %5s %10.0f %10.0f %12.3f" % (name, rnd, r["throughput"], r["throughput"] * per_msg,
      (after - before) * 1000 / accepted if accepted else 0))
PY
  done
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$tmp/rows" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, _, msgs, copies, cpu = line.split()
    rows.setdefault(name, []).append((float(msgs), float(copies), float(cpu)))
med = {n: [statistics.median(c) for c in zip(*v)] for n, v in rows.items()}
for n, (m, c, cpu) in med.items():
    print("median %-16s %10.0f msgs/s %10.0f copies/s %8.3f ms CPU/msg" % (n, m, c, cpu))
if "case-updates" in med:
    for n in med:
        if n != "case-updates":
            print("ratio %s / case-updates: %.2f (msgs/s)" % (n, med[n][0] / med["case-updates"][0]))
if "referral-copy" in med:
    print("ratio referral-epoch / referral-copy: %.2f (msgs/s)" %
          (med["referral-epoch"][0] / med["referral-copy"][0]))
PY
