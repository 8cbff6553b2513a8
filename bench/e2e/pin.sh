# Sourced by bench/e2e/run.sh and bench/peers.sh. PIN=1 puts servers and load generators on
# disjoint CPUs, so neither takes the other's core: sets the command prefixes server_on
# (taskset -c $SERVER_CPUS, default 1) and client_on (taskset -c $CLIENT_CPUS, default 0);
# both are empty with PIN=0 (the default). Any other PIN, or PIN=1 without taskset: exit 64.
server_on=()
client_on=()
if [[ "${PIN:-0}" == 1 ]]; then
  command -v taskset >/dev/null || { echo "$(basename "$0"): PIN=1 needs taskset (util-linux)" >&2; exit 64; }
  server_on=(taskset -c "${SERVER_CPUS:-1}")
  client_on=(taskset -c "${CLIENT_CPUS:-0}")
elif [[ "${PIN:-0}" != 0 ]]; then
  echo "$(basename "$0"): PIN must be 0 or 1, not ${PIN}" >&2
  exit 64
fi
