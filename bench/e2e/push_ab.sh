#!/usr/bin/env bash
# A/B of the push levers of issue 20 (docs/adapters.md webhook and filedrop), in ONE run with
# the variants alternated (A B C A B C ...), each a full bench/e2e/delivery.sh run (fresh
# spool, N pre-loaded copies for wcu.met, drained by the adapter).
#
# Usage: bench/e2e/push_ab.sh BUILD_DIR [N_WEBHOOK] [N_FILEDROP] [ROUNDS]
#   webhook:  old  = one TLS connection per POST, 4 in flight (the adapter before issue 20)
#             w1   = keep-alive, window 1
#             new  = keep-alive, window 8 (the defaults now)
#   filedrop: old  = max_in_flight 1, writers 1: file fsync + directory fsync per copy
#             new  = max_in_flight 32, writers 4: group commit (the defaults now)
# Prints the rows of delivery.sh (copies/s, CPU per copy, connections) and the load.
set -euo pipefail
if [[ $# -lt 1 || "$1" == -h || "$1" == --help ]]; then
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
  exit 64
fi
build="$1"
n_webhook="${2:-10000}"
n_filedrop="${3:-3000}"
rounds="${4:-2}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$rounds"); do
  LABEL="old r$round" WEBHOOK_KEEP_ALIVE=false WEBHOOK_IN_FLIGHT=4 ADAPTERS=webhook \
    "$here/delivery.sh" "$build" "$n_webhook"
  LABEL="w1 r$round" WEBHOOK_KEEP_ALIVE=true WEBHOOK_IN_FLIGHT=1 ADAPTERS=webhook \
    "$here/delivery.sh" "$build" "$n_webhook"
  LABEL="new r$round" WEBHOOK_KEEP_ALIVE=true WEBHOOK_IN_FLIGHT=8 ADAPTERS=webhook \
    "$here/delivery.sh" "$build" "$n_webhook"
  LABEL="old r$round" FILEDROP_IN_FLIGHT=1 FILEDROP_WRITERS=1 ADAPTERS=filedrop \
    "$here/delivery.sh" "$build" "$n_filedrop"
  LABEL="new r$round" FILEDROP_IN_FLIGHT=32 FILEDROP_WRITERS=4 ADAPTERS=filedrop \
    "$here/delivery.sh" "$build" "$n_filedrop"
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
