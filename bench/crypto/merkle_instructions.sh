#!/usr/bin/env bash
# Instructions per copy of the Merkle batch-signature lever (bench_merkle.cpp), counted by
# callgrind only around each kernel's loop: repeatable on a shared machine, where CPU time
# is not.
#
# Usage: bench/crypto/merkle_instructions.sh BUILD_DIR [COPIES]
#
# For each batch size k of $BATCHES ("1 2 8 16 64") runs bench_merkle --instructions under
# valgrind --tool=callgrind --collect-atstart=no with enough batches for COPIES copies
# (default 256; verify kernels: COPIES / 4 copies), then prints one Markdown table of
# instructions per copy: signing (a) k signatures, (b) one tree + one signature + k proofs,
# (b') the same with salted leaves; verifying one copy (a) and (b).
set -euo pipefail

if [[ $# -lt 1 || "$1" == -h || "$1" == --help ]]; then
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
  exit 64
fi
bin="$(cd "$1" && pwd)/bench/crypto/bench_merkle"
copies="${2:-256}"
batches="${BATCHES:-1 2 8 16 64}"
[[ -x "$bin" ]] || { echo "merkle_instructions.sh: $bin is missing; build bench_merkle" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "merkle_instructions.sh: needs valgrind" >&2; exit 1; }
work="$(mktemp -d /tmp/accord-merkle-XXXXXX)"
trap 'rm -rf "$work"' EXIT

# count KERNEL K N: instructions collected over N runs of KERNEL on batches of K.
count() {
  local out="$work/$1-$2.out"
  valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$out" \
    "$bin" --instructions "$1" "$2" "$3" >/dev/null 2>"$work/valgrind.log" ||
    { cat "$work/valgrind.log" >&2; return 1; }
  sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$out"
}

echo "| k | sign (a) k signatures | sign (b) tree + 1 signature + k proofs | (b') salted leaves | (b) / (a) | verify (a) | verify (b) | (b) / (a) |"
echo "|---|---|---|---|---|---|---|---|"
for k in $batches; do
  n=$(((copies + k - 1) / k))
  nv=$((copies / 4))
  sa=$(count sign_each "$k" "$n")
  sb=$(count sign_batch "$k" "$n")
  sbs=$(count sign_batch_salted "$k" "$n")
  va=$(count verify_each "$k" "$nv")
  vb=$(count verify_batch "$k" "$nv")
  python3 - "$k" "$n" "$nv" "$sa" "$sb" "$sbs" "$va" "$vb" <<'PY'
import sys
k, n, nv, sa, sb, sbs, va, vb = (int(x) for x in sys.argv[1:])
per = lambda total, copies: total / copies
a, b, bs = per(sa, n * k), per(sb, n * k), per(sbs, n * k)
x, y = per(va, nv), per(vb, nv)
print(f"| {k} | {a:,.0f} | {b:,.0f} | {bs:,.0f} | {b / a:.3f} | {x:,.0f} | {y:,.0f} | {y / x:.3f} |")
PY
done
echo
echo "Instructions per copy (callgrind, user space, collection only around each kernel's loop), $copies copies signed per cell, $((copies / 4)) verified; $(date -u +%FT%TZ)."
