#!/usr/bin/env bash
# Accord next to durable brokers on the same machine (docs/benchmarks.md, "Peers").
#
# Usage: bench/peers.sh BUILD_DIR [SECONDS]
#
# Installs from Debian (apt-get, as root) RabbitMQ, Mosquitto, NATS server and their C client
# libraries, configures BUILD_DIR again so bench/peers/ finds them, builds peer-drivers (and
# accord-gateway, accord when PEERS has accord; -j2), then one peer at a time: starts it on
# loopback with durable settings and mutual TLS (a fresh dev PKI from certs/gen-dev-pki.sh),
# drives it closed loop with 1 KB bodies from $CONNECTIONS connections at each window of
# $WINDOWS for SECONDS (default 10) after a warmup, and stops it. A broker's window W is W
# unconfirmed publishes per connection (sliding); Accord's window 1 is `accord bench` (one
# request in flight per connection), its window W > 1 is `accord bench --batch W` (one
# POST /v1/messages:batch of W envelopes in flight per connection, each item answered on its
# own). Prints one table (Markdown) on stdout; progress goes to stderr.
# Every server it started is stopped on exit; work files live under /tmp and are removed.
#
# Environment: CONNECTIONS (64), WINDOWS ("1 16"), WARMUP (seconds, 2), PEERS ("rabbitmq
# mosquitto nats accord"), NO_INSTALL=1 / NO_BUILD=1 to skip those steps, GATEWAY_THREADS (2),
# BENCH_OUT (a directory to keep the JSON reports and server logs in), PIN=1 to pin every
# server (broker or gateway, with all its threads) to CPU $SERVER_CPUS (1) and every load
# generator to CPU $CLIENT_CPUS (0) with taskset, for every peer alike.
set -euo pipefail

if [[ $# -lt 1 || "$1" == -h || "$1" == --help ]]; then
  sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'
  exit 64
fi
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$1"
build="$(cd "$1" && pwd)"
seconds="${2:-10}"
connections="${CONNECTIONS:-64}"
windows="${WINDOWS:-1 16}"
warmup="${WARMUP:-2}"
peers="${PEERS:-rabbitmq mosquitto nats accord}"
gateway_threads="${GATEWAY_THREADS:-2}"
# shellcheck source=bench/e2e/pin.sh
source "$src/bench/e2e/pin.sh"
pin_note="not pinned"
[[ "${PIN:-0}" == 1 ]] && pin_note="PIN=1: every server on CPU ${SERVER_CPUS:-1}, every load generator on CPU ${CLIENT_CPUS:-0} (taskset)"

# --- install and build -------------------------------------------------------------------
if [[ "${NO_INSTALL:-}" != 1 ]]; then
  pkgs=(rabbitmq-server mosquitto nats-server librabbitmq-dev libmosquitto-dev libnats-dev)
  missing=()
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    as_root=()
    [[ "$(id -u)" == 0 ]] || as_root=(sudo)
    echo "peers.sh: installing ${missing[*]}" >&2
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y --no-install-recommends "${missing[@]}" >&2
  fi
fi
if [[ "${NO_BUILD:-}" != 1 ]]; then
  cmake -S "$src" -B "$build" -G Ninja -DACCORD_BUILD_BENCH=ON >/dev/null
  targets=(peer-drivers)
  [[ " $peers " == *" accord "* ]] && targets+=(accord-gateway accord)
  cmake --build "$build" --target "${targets[@]}" -j2 >&2
fi

# --- work area, cleanup --------------------------------------------------------------------
work="$(mktemp -d /tmp/accord-peers-XXXXXX)"
declare -A server_pid=()   # peer -> pid of the server process we started
epmd_port=""
stop_server() {
  local peer="$1" pid="${server_pid[$1]:-}"
  [[ -n "$pid" ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  unset "server_pid[$peer]"
}
cleanup() {
  for p in "${!server_pid[@]}"; do stop_server "$p"; done
  # RabbitMQ's start script launched an epmd on our private port; stop exactly that one.
  [[ -n "$epmd_port" ]] && epmd -port "$epmd_port" -kill >/dev/null 2>&1 || true
  if [[ -n "${BENCH_OUT:-}" ]]; then
    mkdir -p "$BENCH_OUT"
    cp "$work"/*.json "$work"/*.cpu "$work"/*.log "$BENCH_OUT"/ 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$src/certs/gen-dev-pki.sh" "$work/pki" police.met cps.london wcu.met provider.lvws \
  provider.survivors-uk probation.london court.london >/dev/null
pki="$work/pki"
client_tls=(--ca "$pki/ca.pem" --cert "$pki/agency-police.met.pem" --key "$pki/agency-police.met.key")

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {  # PORT PID NAME: until something listens on 127.0.0.1:PORT (30 s)
  for _ in $(seq 1 300); do
    if python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),0.2)' "$1" 2>/dev/null; then
      return 0
    fi
    kill -0 "$2" 2>/dev/null || { echo "peers.sh: $3 exited; log:" >&2; tail -20 "$work/$3.log" >&2; return 1; }
    sleep 0.1
  done
  echo "peers.sh: $3 did not listen on $1" >&2
  return 1
}
cpu_of() {  # CPU seconds (user + system) used so far by PID
  python3 -c 'import os,sys; f=open(f"/proc/{sys.argv[1]}/stat").read().rsplit(")",1)[1].split(); print((int(f[11])+int(f[12]))/os.sysconf("SC_CLK_TCK"))' "$1"
}

# run NAME SERVER_PID COMMAND...: runs a load generator that prints one JSON report, keeps
# NAME.json, NAME.log and NAME.cpu (server CPU before/after, client user/system seconds).
run() {
  local name="$1" pid="$2"
  shift 2
  echo "== $name: ${*##*/}" >&2
  local before client
  before="$(cpu_of "$pid")"
  client="$( { TIMEFORMAT='%U %S'; time "${client_on[@]}" "$@" >"$work/$name.json" 2>"$work/$name.log"; } 2>&1 )" ||
    [[ -s "$work/$name.json" ]] || { tail -5 "$work/$name.log" >&2; return 1; }
  echo "$before $(cpu_of "$pid") $client" >"$work/$name.cpu"
  python3 "$src/bench/peers/table.py" --line "$work/$name.json" >&2
}

drive() {  # PEER DRIVER PORT: every window against one running server
  local peer="$1" driver="$build/bench/peers/peer-bench-$2" port="$3"
  [[ -x "$driver" ]] || { echo "peers.sh: $driver missing (client library not found by CMake)" >&2; return 1; }
  for w in $windows; do
    run "$peer-w$w" "${server_pid[$peer]}" "$driver" --port "$port" "${client_tls[@]}" \
      --connections "$connections" --window "$w" --duration "$seconds" --warmup "$warmup" \
      --target "accord-bench-w$w" --json || true
  done
}

# --- RabbitMQ 3.10: TLS-only listener, mTLS, quorum queue, publisher confirms --------------
start_rabbitmq() {
  local d="$work/rabbitmq" port
  port="$(free_port)"
  epmd_port="$(free_port)"
  mkdir -p "$d/home" "$d/mnesia" "$d/log"
  cat >"$d/rabbitmq.conf" <<CONF
listeners.tcp = none
listeners.ssl.default = 127.0.0.1:$port
ssl_options.cacertfile = $pki/ca.pem
ssl_options.certfile = $pki/server.pem
ssl_options.keyfile = $pki/server.key
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = true
loopback_users.guest = true
log.file.level = warning
log.console = false
disk_free_limit.absolute = 2GB
CONF
  echo '[].' >"$d/enabled_plugins"
  # Everything private: node name, Erlang cookie ($HOME), epmd port, data and log dirs.
  HOME="$d/home" ERL_EPMD_PORT="$epmd_port" RABBITMQ_NODENAME="accordbench@localhost" \
    RABBITMQ_CONFIG_FILE="$d/rabbitmq.conf" RABBITMQ_ENABLED_PLUGINS_FILE="$d/enabled_plugins" \
    RABBITMQ_MNESIA_BASE="$d/mnesia" RABBITMQ_LOG_BASE="$d/log" RABBITMQ_PID_FILE="$d/pid" \
    RABBITMQ_DIST_PORT="$(free_port)" \
    "${server_on[@]}" /usr/lib/rabbitmq/bin/rabbitmq-server >"$work/rabbitmq.log" 2>&1 &
  server_pid[rabbitmq]=$!
  wait_port "$port" "${server_pid[rabbitmq]}" rabbitmq
  # The port opens before the node is fully booted; the beam process is the one to measure.
  for _ in $(seq 1 100); do [[ -s "$d/pid" ]] && break; sleep 0.1; done
  local beam
  beam="$(cat "$d/pid")"
  [[ -n "$beam" ]] && server_pid[rabbitmq]="$beam"
  rabbit_port="$port"
}

# --- Mosquitto 2.0: TLS listener with required client certificates, persistence ------------
start_mosquitto() {
  local d="$work/mosquitto" port
  port="$(free_port)"
  mkdir -p "$d/data"
  cat >"$d/mosquitto.conf" <<CONF
# Stay root (our key files are 0600 root) instead of dropping to the mosquitto user.
user root
per_listener_settings false
allow_anonymous true
listener $port 127.0.0.1
cafile $pki/ca.pem
certfile $pki/server.pem
keyfile $pki/server.key
require_certificate true
persistence true
persistence_location $d/data/
# The defaults, written out: the in-memory store is written to disk every 30 minutes and at
# shutdown, never per message.
autosave_interval 1800
autosave_on_changes false
# Queue every message for the offline persistent session (default 1000, then drops).
max_queued_messages 0
max_queued_bytes 0
log_dest stderr
log_type error
log_type warning
CONF
  "${server_on[@]}" mosquitto -c "$d/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
  server_pid[mosquitto]=$!
  wait_port "$port" "${server_pid[mosquitto]}" mosquitto
  mosquitto_port="$port"
}

# --- NATS 2.9 JetStream: TLS with verify (mTLS), file storage -------------------------------
start_nats() {
  local d="$work/nats" port
  port="$(free_port)"
  mkdir -p "$d/js"
  cat >"$d/nats.conf" <<CONF
listen: 127.0.0.1:$port
tls {
  cert_file: "$pki/server.pem"
  key_file: "$pki/server.key"
  ca_file: "$pki/ca.pem"
  verify: true
}
jetstream {
  store_dir: "$d/js"
  max_memory_store: 256MB
  max_file_store: 20GB
}
CONF
  "${server_on[@]}" nats-server -c "$d/nats.conf" >"$work/nats.log" 2>&1 &
  server_pid[nats]=$!
  wait_port "$port" "${server_pid[nats]}" nats
  nats_port="$port"
}

# --- Accord: the gateway as bench/e2e/run.sh starts it, `accord bench` ---------------------
start_accord() {
  local d="$work/accord"
  # The spool's folder must exist: the gateway creates its signing key there before the spool.
  mkdir -p "$d/spool"
  # Every party co-signs the sample agreements with development keys: unsigned, none grants.
  ACCORD_BIN="$build/tools/accord/accord" "$src/scripts/sign-sample-agreements.sh" \
    "$d/signing" >/dev/null
  cat >"$d/gateway.yaml" <<YAML
listen: {address: 127.0.0.1, port: 0}
threads: $gateway_threads
tls:
  ca: $pki/ca.pem
  crl: $pki/crl.pem
  cert: $pki/server.pem
  key: $pki/server.key
storage: {backend: sqlite, path: $d/spool/spool.db}
vocabulary: $src/config/vocabulary.yaml
agencies: $src/config/agencies.yaml
agreements: $src/config/agreements
pseudonym_key: $d/pseudonym.key
keys: $d/signing/keys
signatures: $d/signing/signatures
limits: {rate_per_agency: 0, max_connections_per_agency: 1024}  # one agency stands in for many
log: {level: warn}
YAML
  "${server_on[@]}" "$build/gateway/app/accord-gateway" --config "$d/gateway.yaml" --ready-file "$d/ready" \
    >"$work/accord.log" 2>&1 &
  server_pid[accord]=$!
  for _ in $(seq 1 300); do
    [[ -s "$d/ready" ]] && break
    kill -0 "${server_pid[accord]}" 2>/dev/null || { tail -20 "$work/accord.log" >&2; return 1; }
    sleep 0.1
  done
  accord_port="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$d/ready")"
}

# Window 1: one POST /v1/messages in flight per connection. Window W > 1: one
# POST /v1/messages:batch of W envelopes in flight per connection (`accord bench --batch W`);
# unlike a broker's sliding window, the next batch leaves only when the whole batch is answered.
drive_accord() {
  local accord="$build/tools/accord/accord" batch_args
  for w in $windows; do
    batch_args=()
    if ((w > 1)); then
      if ! "$accord" bench --help 2>&1 | grep -q -- '--batch'; then
        echo "peers.sh: this accord has no 'bench --batch' (POST /v1/messages:batch): no Accord row at window $w" >&2
        continue
      fi
      batch_args=(--batch "$w")
    fi
    run "accord-w$w" "${server_pid[accord]}" "$accord" bench \
      --gateway "127.0.0.1:$accord_port" --as police.met --pki-dir "$pki" \
      --connections "$connections" --duration "$seconds" --warmup "$warmup" \
      "${batch_args[@]}" --json || true
  done
}

# On a host with systemd the packages start their own services on the default ports; ours use
# free ports, but those would share the CPU, so say so.
for svc in rabbitmq-server mosquitto nats-server; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then
    echo "peers.sh: warning: the system's $svc service is running and will skew the figures" >&2
  fi
done

load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
versions=()
for peer in $peers; do
  case "$peer" in
    rabbitmq | mosquitto | nats | accord) "start_$peer" ;;
    *) echo "peers.sh: unknown peer $peer" >&2; exit 64 ;;
  esac
  # Evidence of the pinning: the CPUs the measured server process may run on.
  versions+=("$peer server CPUs: $(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/${server_pid[$peer]}/status")")
  case "$peer" in
    rabbitmq)
      versions+=("rabbitmq-server $(dpkg-query -W -f='${Version}' rabbitmq-server), Erlang/OTP $(erl -noshell -eval 'io:format("~s",[erlang:system_info(otp_release)]),halt().')")
      drive rabbitmq rabbitmq "$rabbit_port"
      # Evidence of what was measured: the queue type RabbitMQ actually made, and its depth.
      versions+=("rabbitmq queues: $(HOME="$work/rabbitmq/home" ERL_EPMD_PORT="$epmd_port" \
        /usr/lib/rabbitmq/bin/rabbitmqctl -n accordbench@localhost -q list_queues name type \
        durable messages 2>&1 | tr '\t\n' ' ;')")
      ;;
    mosquitto)
      versions+=("mosquitto $(dpkg-query -W -f='${Version}' mosquitto)")
      drive mosquitto mosquitto "$mosquitto_port"
      ;;
    nats)
      versions+=("nats-server $(dpkg-query -W -f='${Version}' nats-server), libnats $(dpkg-query -W -f='${Version}' libnats-dev)")
      drive nats nats "$nats_port"
      ;;
    accord)
      drive_accord
      ;;
  esac
  stop_server "$peer"
done

echo
echo "Durable 1 KB publishes over mutual TLS on loopback, $connections connections, ${seconds}s after ${warmup}s warmup;"
echo "$pin_note; $(nproc) cores, $(free -g | awk '/^Mem:/{print $2}') GiB, $(lscpu | sed -n 's/^Model name: *//p'), $(date -u +%FT%TZ), load $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
printf '%s\n' "${versions[@]}"
python3 "$src/bench/peers/table.py" "$work" "$windows"
