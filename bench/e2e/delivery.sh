#!/usr/bin/env bash
# Delivery throughput per outbound adapter (docs/benchmarks.md (h)).
#
# Usage: bench/e2e/delivery.sh BUILD_DIR [N]
#
# For each of $ADAPTERS (default "filedrop webhook zmq mailbox"), on a fresh spool: start
# accord-gateway with no adapter for wcu.met and pre-load N (default 20000) copies for it
# (`accord bench -n N -c 64` with event types that only wcu.met receives: one copy each),
# stop it, start the receiving side and the gateway again with wcu.met's outbound adapter
# configured, and poll `copies where state='acked'` once a second until all N are acked
# (or $TIMEOUT s, default 300). mailbox: no adapter; `accord bench --consume wcu.met` leases
# and acks over the API with $CONSUMERS (default 2) connections. Receivers: filedrop into a
# temp dir; webhook_receiver.py (python ThreadingHTTPServer, mTLS); the zmq reference adapter
# examples/zmq-adapter/accord_adapter.py receive --out DIR. WEBHOOK_IN_FLIGHT (default 8, the
# window), WEBHOOK_KEEP_ALIVE (default true; false: one TLS connection per POST, the old way)
# and ZMQ_IN_FLIGHT (default 64) set the adapters' settings; FILEDROP_IN_FLIGHT (default 32)
# and FILEDROP_WRITERS (default 4) the file drop's (1 and 1: one copy at a time, file and
# directory fsync'd per copy, the old way). LABEL is added to each row's name (A/B runs).
# BENCH_OUT keeps the logs.
set -euo pipefail
if [[ $# -lt 1 || "$1" == -h || "$1" == --help ]]; then
  sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
  exit 64
fi
build="$(cd "$1" && pwd)"
n="${2:-20000}"
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tmp="$(mktemp -d /tmp/accord-delivery-bench-XXXXXX)"
source "$src/bench/e2e/lib.sh"
receiver_pid=""
stop_receiver() {
  if [[ -n "$receiver_pid" ]] && kill -0 "$receiver_pid" 2>/dev/null; then
    kill -TERM "$receiver_pid" 2>/dev/null || true
    wait "$receiver_pid" 2>/dev/null || true
  fi
  receiver_pid=""
}
cleanup() {
  stop_receiver
  stop_gateway
  [[ -n "${BENCH_OUT:-}" ]] && mkdir -p "$BENCH_OUT" && cp "$tmp"/*.log "$tmp"/*.txt "$BENCH_OUT"/ 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
make_pki
wcu_only=suspect.arrested,suspect.released,bail.conditions_changed,investigation.closed
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

for adapter in ${ADAPTERS:-filedrop webhook zmq mailbox}; do
  spool="$tmp/spool-$adapter"
  write_config "$spool" ""
  start_gateway "$adapter-preload"
  "$accord_bin" bench --gateway "127.0.0.1:$port" --as police.met --pki-dir "$tmp/pki" \
    --connections 64 --messages "$n" --warmup 0 --types "$wcu_only" --json \
    >"$tmp/$adapter-preload.log" 2>&1 || { cat "$tmp/$adapter-preload.log" >&2; exit 1; }
  stop_gateway
  queued="$(sqlite3 "$spool/spool.db" "select count(*) from copies where recipient='wcu.met' and state='queued'")"

  extra=""
  case "$adapter" in
    filedrop)
      mkdir -p "$tmp/drop"
      extra="adapters: {wcu.met: {outbound: {type: filedrop, directory: $tmp/drop, max_in_flight: ${FILEDROP_IN_FLIGHT:-32}, writers: ${FILEDROP_WRITERS:-4}}}}" ;;
    webhook)
      "$src/bench/e2e/webhook_receiver.py" "$tmp/pki/server.pem" "$tmp/pki/server.key" \
        "$tmp/pki/ca.pem" "$tmp/webhook-received.txt" "$tmp/webhook.port" 2>"$tmp/webhook.log" &
      receiver_pid=$!
      for _ in $(seq 1 100); do [[ -s "$tmp/webhook.port" ]] && break; sleep 0.1; done
      extra="adapters: {wcu.met: {outbound: {type: webhook, url: \"https://127.0.0.1:$(cat "$tmp/webhook.port")/accord/inbox\", max_in_flight: ${WEBHOOK_IN_FLIGHT:-8}, keep_alive: ${WEBHOOK_KEEP_ALIVE:-true}}}}" ;;
    zmq)
      zport="$(free_port)"
      (cd "$tmp" && /usr/bin/python3 "$src/examples/zmq-adapter/accord_adapter.py" keygen wcu >/dev/null)
      extra="zmq: {endpoint: \"tcp://127.0.0.1:$zport\", secret_key: $spool/zmq-server.key, max_in_flight: ${ZMQ_IN_FLIGHT:-64}, adapters: [{agency: wcu.met, public_key_file: $tmp/wcu.pub}]}
adapters: {wcu.met: {outbound: {type: zmq}}}" ;;
  esac
  write_config "$spool" "$extra
delivery: {backoff_initial_ms: 100, backoff_max_ms: 1000}"
  start_gateway "$adapter"
  t_start=$(date +%s.%N)
  consumer_pid=""
  case "$adapter" in
    zmq)
      mkdir -p "$tmp/zmq-out"
      server_pub="$(/usr/bin/python3 -c 'import sys,zmq; print(zmq.curve_public(open(sys.argv[1]).read().strip().encode()).decode())' "$spool/zmq-server.key")"
      /usr/bin/python3 "$src/examples/zmq-adapter/accord_adapter.py" --endpoint "tcp://127.0.0.1:$zport" \
        --server-key "$server_pub" --key-file "$tmp/wcu.key" --agency wcu.met receive \
        --out "$tmp/zmq-out" >"$tmp/zmq-adapter.log" 2>&1 &
      receiver_pid=$! ;;
    mailbox)
      "$accord_bin" bench --gateway "127.0.0.1:$port" --as police.met --pki-dir "$tmp/pki" \
        --connections 1 --rate 1 --duration "${TIMEOUT:-300}" --warmup 0 --types "$wcu_only" \
        --consume wcu.met --consume-connections "${CONSUMERS:-2}" --json \
        >"$tmp/mailbox-consume.txt" 2>"$tmp/mailbox-consume.log" &
      consumer_pid=$! ;;
  esac
  gw0="$(proc_cpu "$gateway_pid")"
  rc0=0; [[ -n "$receiver_pid" ]] && rc0="$(proc_cpu "$receiver_pid")"
  : >"$tmp/$adapter-series.txt"
  while :; do
    acked="$(sqlite3 "$spool/spool.db" "select count(*) from copies where recipient='wcu.met' and state='acked'" 2>/dev/null || echo 0)"
    now=$(date +%s.%N)
    echo "$(python3 -c "print(f'{$now-$t_start:.2f}')") $acked" >>"$tmp/$adapter-series.txt"
    (( acked >= queued )) && break
    python3 -c "import sys; sys.exit(0 if $now-$t_start < ${TIMEOUT:-300} else 1)" || break
    sleep 1
  done
  gw1="$(proc_cpu "$gateway_pid")"
  rc1=0; [[ -n "$receiver_pid" ]] && rc1="$(proc_cpu "$receiver_pid")"
  [[ -n "$consumer_pid" ]] && { rc1="$(proc_cpu "$consumer_pid")"; kill -INT "$consumer_pid"; wait "$consumer_pid" || true; }
  dead="$(sqlite3 "$spool/spool.db" "select count(*) from copies where recipient='wcu.met' and state='dead'")"
  attempts="$(sqlite3 "$spool/spool.db" "select coalesce(sum(attempts),0) from copies where recipient='wcu.met'")"
  delivered_files="-"
  case "$adapter" in
    filedrop) delivered_files="$(find "$tmp/drop" -maxdepth 1 -name '*.json' | wc -l) files" ;;
    webhook) delivered_files="$(wc -l <"$tmp/webhook-received.txt") POSTs on $(cut -d' ' -f3 "$tmp/webhook-received.txt" | sort -u | wc -l) connections" ;;
    zmq) delivered_files="$(find "$tmp/zmq-out" -maxdepth 1 -type f ! -name '.*' | wc -l) files" ;;
  esac
  stop_receiver
  stop_gateway
  python3 - "$tmp/$adapter-series.txt" "$adapter${LABEL:+ $LABEL}" "$queued" "$gw0" "$gw1" "$rc0" "$rc1" "$dead" "$attempts" "$delivered_files" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY' | tee -a "$tmp/table.txt"
import sys
f, name, queued, g0, g1, r0, r1, dead, attempts, out, load = sys.argv[1:]
s = [tuple(float(x) for x in l.split()) for l in open(f) if l.strip()]
q = int(queued); t_end, a_end = s[-1]
def t_at(frac):
    return next(t for t, a in s if a >= frac * q)
lo, hi = t_at(0.1), (t_at(0.9) if a_end >= 0.9 * q else None)
steady = f'{0.8 * q / (hi - lo):,.0f}' if hi and hi > lo else '-'
print(f'{name}: queued {q:,}, acked {int(a_end):,} in {t_end:.1f} s from gateway start '
      f'= {a_end / t_end:,.0f}/s overall, {steady}/s between 10% and 90%; dead {dead}, '
      f'attempts {int(attempts):,}, receiver saw {out}; gateway cpu {(float(g1)-float(g0))/max(1,a_end)*1e6:.0f} us/copy, '
      f'receiver cpu {(float(r1)-float(r0))/max(1,a_end)*1e6:.0f} us/copy ({(float(r1)-float(r0))/t_end*100:.0f}% of a core); load {load}')
PY
  rm -rf "$spool" "$tmp/drop" "$tmp/zmq-out" "$tmp/webhook-received.txt" "$tmp/webhook.port"
done
