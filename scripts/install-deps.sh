#!/usr/bin/env bash
# Installs every build, test and run dependency from Debian 12 packages. Idempotent: does
# nothing when everything is present. Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git clang clang-format
  libboost1.81-dev libssl-dev openssl libsodium-dev libzmq3-dev cppzmq-dev
  libyaml-cpp-dev nlohmann-json3-dev libsimdjson-dev libspdlog-dev libfmt-dev libcli11-dev
  libsqlite3-dev sqlite3 prometheus-cpp-dev libpq-dev libpqxx-dev
  postgresql-15 postgresql-client-15   # the PostgreSQL spool; tests start their own servers
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-nacl python3-zmq python3-requests
  python3-yaml python3-jsonschema openapi-specification   # scripts/validate-openapi.py
  dpkg-dev systemd   # cpack's dpkg-shlibdeps and systemd-analyze verify (tests/package)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
