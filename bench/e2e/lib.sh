# Shared helpers for bench/e2e/audit.sh, bench/e2e/delivery.sh and bench/e2e/ha.sh (sourced,
# not run). Expects: $build (build dir), $src (repo root), $tmp (work dir). Provides make_pki
# (which also co-signs the sample agreements), $governance_yaml, write_config EXTRA_YAML,
# start_gateway NAME, wait_ready NAME [TENTHS], stop_gateway, proc_cpu PID, acked RECIPIENT.
gateway_bin="$build/gateway/app/accord-gateway"
accord_bin="$build/tools/accord/accord"
for b in "$gateway_bin" "$accord_bin"; do
  [[ -x "$b" ]] || { echo "$0: $b is missing; build accord-gateway and accord" >&2; exit 1; }
done
gateway_pid=""
port=""

# The config lines that register development signing keys and name every party's signatures
# over the sample agreements (made by make_pki): without them no agreement grants.
governance_yaml="keys: $tmp/signing/keys
signatures: $tmp/signing/signatures"

make_pki() {
  "$src/certs/gen-dev-pki.sh" "$tmp/pki" police.met cps.london wcu.met provider.lvws \
    provider.survivors-uk probation.london court.london >/dev/null
  ACCORD_BIN="$accord_bin" "$src/scripts/sign-sample-agreements.sh" "$tmp/signing" >/dev/null
}

# write_config SPOOL_DIR EXTRA_YAML: the bench/e2e/run.sh config plus EXTRA_YAML.
write_config() {
  mkdir -p "$1"
  cat >"$tmp/gateway.yaml" <<YAML
listen: {address: 127.0.0.1, port: 0}
threads: ${GATEWAY_THREADS:-2}
tls: {ca: $tmp/pki/ca.pem, crl: $tmp/pki/crl.pem, cert: $tmp/pki/server.pem, key: $tmp/pki/server.key}
storage: {backend: sqlite, path: $1/spool.db}
vocabulary: $src/config/vocabulary.yaml
agencies: $src/config/agencies.yaml
agreements: $src/config/agreements
pseudonym_key: $1/pseudonym.key
signing_key: $1/gateway-signing.key
$governance_yaml
limits: {rate_per_agency: 0, max_connections_per_agency: 1024}  # one agency stands in for many
log: {level: warn}
$2
YAML
}

start_gateway() {
  rm -f "$tmp/ready"
  "$gateway_bin" --config "$tmp/gateway.yaml" --ready-file "$tmp/ready" 2>>"$tmp/$1.gateway.log" &
  gateway_pid=$!
  wait_ready "$1"
}

# wait_ready NAME [TENTHS]: waits up to TENTHS tenths of a second (default 300) for the
# gateway $gateway_pid, started with --ready-file "$tmp/ready" and logging to
# "$tmp/NAME.gateway.log", to write its ready file; sets $port. A gateway under valgrind
# needs longer (bench/e2e/cost.sh).
wait_ready() {
  port=""
  for _ in $(seq 1 "${2:-300}"); do
    if [[ -s "$tmp/ready" ]]; then
      port="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$tmp/ready")"
      return 0
    fi
    kill -0 "$gateway_pid" 2>/dev/null || { cat "$tmp/$1.gateway.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "$0: the gateway did not become ready" >&2
  exit 1
}

stop_gateway() {
  if [[ -n "$gateway_pid" ]] && kill -0 "$gateway_pid" 2>/dev/null; then
    kill -TERM "$gateway_pid" 2>/dev/null || true
    wait "$gateway_pid" 2>/dev/null || true
  fi
  gateway_pid=""
}

# CPU seconds (user + system) used so far by PID.
proc_cpu() {
  python3 -c 'import os,sys; f=open(f"/proc/{sys.argv[1]}/stat").read().rsplit(")",1)[1].split(); print((int(f[11])+int(f[12]))/os.sysconf("SC_CLK_TCK"))' "$1"
}
