#!/usr/bin/env bash
# The PostgreSQL backend side by side with SQLite (docs/benchmarks.md (k)).
#
# Usage: bench/e2e/ha.sh BUILD_DIR [SECONDS]
#
# Starts a PostgreSQL 15 primary and a streaming synchronous standby (initdb, pg_basebackup;
# as the `postgres` user when run as root) on free loopback ports in a temp dir, then in ONE
# run, each on a fresh spool / database, `accord bench` closed loop at $CONNECTIONS (default
# 32) for SECONDS (default 20, $WARMUP 3 s warmup) against: (a) one gateway on SQLite;
# (b) one gateway on PostgreSQL; (c) two gateways on PostgreSQL, the connections split
# between them round robin (`--gateway A,B`). Prints msgs/s, p50/p99 and CPU per message
# (gateways, PostgreSQL servers, client), checks the copies stored and the audit chain,
# and removes everything on exit. Then, unless DIAGNOSE=0, (d) and (e): (b) and (c) with
# `audit: {enabled: false}`, i.e. without the audit_head lock. $ROUNDS (default 1) repeats
# them all; BENCH_OUT keeps the JSON reports and logs; PG_BINDIR overrides
# /usr/lib/postgresql/15/bin. Before the runs, pgbench times one synchronous commit.
set -euo pipefail
if [[ $# -lt 1 || "$1" == -h || "$1" == --help ]]; then
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
  exit 64
fi
build="$(cd "$1" && pwd)"
seconds="${2:-20}"
connections="${CONNECTIONS:-32}"
warmup="${WARMUP:-3}"
rounds="${ROUNDS:-1}"
pg_bin="${PG_BINDIR:-/usr/lib/postgresql/15/bin}"
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tmp="$(mktemp -d /tmp/accord-ha-bench-XXXXXX)"
source "$src/bench/e2e/lib.sh"
[[ -x "$pg_bin/postgres" ]] || { echo "$0: no PostgreSQL in $pg_bin (apt-get install postgresql-15)" >&2; exit 1; }

# PostgreSQL refuses to run as root: as root, its servers run as `postgres` in a directory
# that user owns; otherwise as whoever runs this.
pgdir="$tmp/pg"
mkdir -p "$pgdir"
as_pg=()
if [[ $EUID -eq 0 ]]; then
  id postgres >/dev/null 2>&1 || { echo "$0: no 'postgres' user to run the servers as" >&2; exit 1; }
  chmod 755 "$tmp"
  chown postgres "$pgdir"
  as_pg=(runuser -u postgres --)
fi
pg() { "${as_pg[@]}" "$pg_bin/$@"; }

pids=()  # gateways started by this script
cleanup() {
  for p in "${pids[@]}"; do
    kill -TERM "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  for d in standby primary; do
    # || true: a server that died already must not stop the cleanup (set -e).
    [[ -f "$pgdir/$d/postmaster.pid" ]] && { pg pg_ctl -D "$pgdir/$d" -m immediate stop >/dev/null 2>&1 || true; }
  done
  if [[ -n "${BENCH_OUT:-}" ]]; then
    mkdir -p "$BENCH_OUT"
    cp "$tmp"/*.json "$tmp"/*.log "$tmp"/*.txt "$pgdir"/*.log "$BENCH_OUT"/ 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
primary_port="$(free_port)"
standby_port="$(free_port)"
psql_primary() { "$pg_bin/psql" -X -q -t -A -h 127.0.0.1 -p "$primary_port" -U postgres "$@"; }

# --- the primary: the settings docs/operations.md ("High availability") gives operators,
# with trust on loopback instead of passwords (a throwaway benchmark cluster).
pg initdb -D "$pgdir/primary" -U postgres --auth=trust >"$pgdir/initdb.log"
cat >>"$pgdir/primary/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $primary_port
unix_socket_directories = ''
wal_level = replica
max_wal_senders = 4
synchronous_commit = on
synchronous_standby_names = 'standby1'
hot_standby = on
max_connections = 200
CONF
pg pg_ctl -D "$pgdir/primary" -l "$pgdir/primary.log" -w start >/dev/null

# --- the standby: a base backup streaming from the primary, named standby1. Started before
# any write: with synchronous_standby_names set, a commit waits for it.
pg pg_basebackup -h 127.0.0.1 -p "$primary_port" -U postgres -D "$pgdir/standby" -X stream
"${as_pg[@]}" touch "$pgdir/standby/standby.signal"
cat >>"$pgdir/standby/postgresql.conf" <<CONF
port = $standby_port
primary_conninfo = 'host=127.0.0.1 port=$primary_port user=postgres application_name=standby1'
CONF
pg pg_ctl -D "$pgdir/standby" -l "$pgdir/standby.log" -w start >/dev/null
for _ in $(seq 1 100); do
  [[ "$(psql_primary -c "select sync_state from pg_stat_replication where application_name = 'standby1'")" == sync ]] && break
  sleep 0.1
done
[[ "$(psql_primary -c "select sync_state from pg_stat_replication where application_name = 'standby1'")" == sync ]] ||
  { echo "$0: the standby is not streaming as sync" >&2; tail -n 20 "$pgdir/standby.log" >&2; exit 1; }
echo "PostgreSQL $(psql_primary -c 'show server_version') primary :$primary_port, sync standby :$standby_port" >&2

# Transactions committed in database $1 so far (backends report them at exit at the latest).
db_commits() {
  psql_primary -c "select xact_commit from pg_stat_database where datname = '$1'"
}

pg_uri() {
  echo "postgresql://postgres@127.0.0.1:$primary_port,127.0.0.1:$standby_port/$1?target_session_attrs=read-write"
}

# CPU seconds of one server: its postmaster (with its reaped children) and its live children.
pg_cpu() {
  python3 - "$(head -n 1 "$pgdir/$1/postmaster.pid")" <<'PY'
import os, sys
pm = sys.argv[1]
def fields(pid):
    return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
total = 0
for pid in os.listdir("/proc"):
    if not pid.isdigit():
        continue
    try:
        f = fields(pid)
    except OSError:
        continue
    if pid == pm:
        total += sum(int(x) for x in f[11:15])  # utime stime cutime cstime
    elif f[1] == pm:
        total += int(f[11]) + int(f[12])
print(total / os.sysconf("SC_CLK_TCK"))
PY
}

# write_gateway_config NAME STORAGE_YAML [EXTRA_YAML]: one gateway's config. Every gateway of the run signs
# with the one key and pseudonymises with the one secret in $tmp/keys, as a deployment must.
mkdir -p "$tmp/keys"
write_gateway_config() {
  mkdir -p "$tmp/$1"
  cat >"$tmp/$1.yaml" <<YAML
listen: {address: 127.0.0.1, port: 0}
threads: ${GATEWAY_THREADS:-2}
tls: {ca: $tmp/pki/ca.pem, crl: $tmp/pki/crl.pem, cert: $tmp/pki/server.pem, key: $tmp/pki/server.key}
$2
vocabulary: $src/config/vocabulary.yaml
agencies: $src/config/agencies.yaml
agreements: $src/config/agreements
pseudonym_key: $tmp/keys/pseudonym.key
signing_key: $tmp/keys/gateway-signing.key
$governance_yaml
limits: {rate_per_agency: 0, max_connections_per_agency: 1024}  # one agency stands in for many
log: {level: warn}
${3:-}
YAML
}
sqlite_storage() { echo "storage: {backend: sqlite, path: $tmp/$1/spool.db}"; }
pg_storage() {
  echo "storage: {backend: postgresql, postgresql: {uri: '$(pg_uri "$2")'}}"
}

# start_one NAME: starts the gateway of $tmp/NAME.yaml, appends its pid to $pids and its
# port to $ports.
ports=()
start_one() {
  rm -f "$tmp/$1.ready"
  "$gateway_bin" --config "$tmp/$1.yaml" --ready-file "$tmp/$1.ready" 2>>"$tmp/gateway-$1.log" &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 1 300); do
    if [[ -s "$tmp/$1.ready" ]]; then
      ports+=("$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$tmp/$1.ready")")
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { echo "$0: gateway $1 exited" >&2; cat "$tmp/gateway-$1.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "$0: gateway $1 did not become ready" >&2
  exit 1
}
stop_all() {
  for p in "${pids[@]}"; do
    kill -TERM "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  pids=()
  ports=()
}

make_pki

# The floor under every PostgreSQL row: one small transaction's commit round trip (primary
# WAL flush + the standby's flush), one client, no batching.
psql_primary -c "create database accord_rtt"
psql_primary -d accord_rtt -c "create table t(x int)"
echo "insert into t values (1);" >"$tmp/rtt.sql"
"$pg_bin/pgbench" -n -h 127.0.0.1 -p "$primary_port" -U postgres -c 1 -T 5 -f "$tmp/rtt.sql" \
  accord_rtt >"$tmp/pgbench-rtt.txt" 2>&1
rtt="$(awk '/latency average/ {print $4}' "$tmp/pgbench-rtt.txt")"
psql_primary -c "drop database accord_rtt"
echo "one synchronous commit (pgbench, 1 client, 5 s): ${rtt} ms average" >&2

# run NAME BACKEND GATEWAYS [EXTRA_YAML]: one row of the table.
run() {
  local name="$1" backend="$2" count="$3" extra="${4:-}" db="" i storage
  [[ "$backend" == postgresql ]] && { db="accord_${name//-/_}"; psql_primary -c "create database $db"; }
  for i in $(seq 1 "$count"); do
    if [[ "$backend" == postgresql ]]; then storage="$(pg_storage "$name-gw$i" "$db")"; else storage="$(sqlite_storage "$name-gw$i")"; fi
    write_gateway_config "$name-gw$i" "$storage" "$extra"
    start_one "$name-gw$i"  # one after the other: the first makes the shared keys
  done
  local gateways
  gateways="$(printf '127.0.0.1:%s,' "${ports[@]}")"
  gateways="${gateways%,}"
  local load gw0 pg0=(0 0) client
  load="$(cut -d' ' -f1 /proc/loadavg)"
  gw0=0; for p in "${pids[@]}"; do gw0="$(python3 -c "print($gw0 + $(proc_cpu "$p"))")"; done
  pg0=("$(pg_cpu primary)" "$(pg_cpu standby)")
  local commits0=0
  [[ "$backend" == postgresql ]] && commits0="$(db_commits "$db")"
  echo "== $name: accord bench --gateway $gateways --connections $connections" >&2
  client="$( { TIMEFORMAT='%U %S'; time "$accord_bin" bench --gateway "$gateways" \
    --as police.met --pki-dir "$tmp/pki" --warmup "$warmup" --duration "$seconds" \
    --connections "$connections" --json >"$tmp/$name.json" 2>"$tmp/$name.log"; } 2>&1 )" ||
    [[ -s "$tmp/$name.json" ]] || { cat "$tmp/$name.log" >&2; exit 1; }
  local gw1=0
  for p in "${pids[@]}"; do gw1="$(python3 -c "print($gw1 + $(proc_cpu "$p"))")"; done
  local pg1=("$(pg_cpu primary)" "$(pg_cpu standby)")
  # The gateway key, for verifying the audit chain after the run.
  curl -s --cacert "$tmp/pki/ca.pem" --cert "$tmp/pki/agency-police.met.pem" \
    --key "$tmp/pki/agency-police.met.key" "https://127.0.0.1:${ports[0]}/v1/gateway-key" \
    >"$tmp/gateway-key.json"
  stop_all
  local commits=-
  [[ "$backend" == postgresql ]] && commits="$(( $(db_commits "$db") - commits0 ))"
  local copies records location
  if [[ "$backend" == postgresql ]]; then
    copies="$(psql_primary -d "$db" -c 'select count(*) from copies')"
    records="$(psql_primary -d "$db" -c 'select count(*) from audit_records')"
    location="$(pg_uri "$db")"
  else
    copies="$(sqlite3 "$tmp/$name-gw1/spool.db" 'select count(*) from copies')"
    records="$(sqlite3 "$tmp/$name-gw1/spool.db" 'select count(*) from audit_records')"
    location="$tmp/$name-gw1/spool.db"
  fi
  local verify="ok"
  "$accord_bin" audit verify --db "$location" --gateway-key "$tmp/gateway-key.json" \
    >"$tmp/$name.verify.txt" 2>&1 || verify="FAILED (BENCH_OUT keeps $name.verify.txt)"
  echo "$name $backend $count $load $gw0 $gw1 ${pg0[*]} ${pg1[*]} $client $copies $records $commits $verify" \
    >"$tmp/$name.row.txt"
  echo "   $(tail -n 1 "$tmp/$name.log")" >&2
  [[ "$backend" == postgresql ]] && psql_primary -c "drop database $db"
  rm -rf "$tmp/$name"-gw*
}

names=()
for r in $(seq 1 "$rounds"); do
  run "r$r-a-sqlite" sqlite 1
  run "r$r-b-pg-1gw" postgresql 1
  run "r$r-c-pg-2gw" postgresql 2
  names+=("r$r-a-sqlite" "r$r-b-pg-1gw" "r$r-c-pg-2gw")
  if [[ "${DIAGNOSE:-1}" == 1 ]]; then
    # Without the audit log no transaction takes the audit_head lock: what it costs.
    run "r$r-d-pg-1gw-noaudit" postgresql 1 "audit: {enabled: false}"
    run "r$r-e-pg-2gw-noaudit" postgresql 2 "audit: {enabled: false}"
    names+=("r$r-d-pg-1gw-noaudit" "r$r-e-pg-2gw-noaudit")
  fi
done

echo
echo "accord-gateway HA: durable ${seconds}s closed-loop runs at $connections connections, $(nproc) cores, $(date -u +%FT%TZ)"
echo "one synchronous commit to the standby (pgbench, 1 client, single-row INSERT): ${rtt} ms average"
python3 - "$tmp" "${names[@]}" <<'PY' | tee "$tmp/table.txt"
import json, sys
tmp, names = sys.argv[1], sys.argv[2:]
# CPU per message: CPU seconds over every message sent in the run (warmup included), in
# microseconds. "pg" is both servers (primary + standby); they share the two cores with
# the gateways and the client.
head = ("run", "backend", "gws", "msgs/s", "p50 ms", "p99 ms", "errors", "gw us/msg",
        "pg us/msg", "client us/msg", "msgs/commit", "copies", "audit", "verify", "load1")
rows = []
for n in names:
    r = json.load(open(f"{tmp}/{n}.json"))
    l = r["latency_us"]
    f = open(f"{tmp}/{n}.row.txt").read().split()
    name, backend, count, load = f[0:4]
    gw0, gw1, p0a, p0b, p1a, p1b, cu, cs = (float(x) for x in f[4:12])
    copies, records, commits, verify = f[12], f[13], f[14], " ".join(f[15:])
    sent = max(1, r["accepted"] + r["warmup_messages"] + r["errors_total"])
    pg = (p1a - p0a) + (p1b - p0b)
    rows.append((name, backend, count, f'{r["throughput"]:.0f}', f'{l["p50"] / 1000:.2f}',
                 f'{l["p99"] / 1000:.2f}', str(r["errors_total"]), f'{(gw1 - gw0) / sent * 1e6:.0f}',
                 f'{pg / sent * 1e6:.0f}' if backend == "postgresql" else "-",
                 f'{(cu + cs) / sent * 1e6:.0f}',
                 f'{sent / int(commits):.1f}' if commits not in ("-", "0") else "-",
                 copies, records, verify, load))
width = [max(len(x) for x in col) for col in zip(head, *rows)]
for row in (head, *rows):
    print("  ".join(x.rjust(w) for x, w in zip(row, width)))
for n in names:
    r = json.load(open(f"{tmp}/{n}.json"))
    for kind, e in r["errors"].items():
        print(f'{n}: {e["count"]} x {kind} (first: {e["first"]})')
PY
# A run whose chain does not verify is not a result: say so in the exit status too.
if grep -q FAILED "$tmp"/*.row.txt; then
  echo "$0: an audit chain did not verify (BENCH_OUT keeps *.verify.txt)" >&2
  exit 1
fi
