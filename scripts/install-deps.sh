#!/usr/bin/env bash
# Installs every build, test and run dependency from Debian 12 packages, and the console tests' npm
# packages (tests/console). Idempotent: does nothing when everything is present. Needs root (or sudo)
# only when a Debian package is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git clang clang-format
  libboost1.81-dev libssl-dev openssl libsodium-dev libzmq3-dev cppzmq-dev
  libyaml-cpp-dev nlohmann-json3-dev libsimdjson-dev libspdlog-dev libfmt-dev libcli11-dev
  libsqlite3-dev sqlite3 prometheus-cpp-dev libpq-dev libpqxx-dev
  postgresql-15 postgresql-client-15   # the PostgreSQL spool; tests start their own servers
  libnats-dev nats-server   # the NATS JetStream adapter; its tests start their own nats-server
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-nacl python3-zmq python3-requests
  python3-yaml python3-jsonschema openapi-specification   # scripts/validate-openapi.py
  nodejs chromium fonts-liberation fonts-dejavu-core      # the console's browser tests
  dpkg-dev systemd   # cpack's dpkg-shlibdeps and systemd-analyze verify (tests/package)
  libcurl4-openssl-dev python3-aiosmtpd   # the smtp adapter; its tests' relay (tests/support)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm ships inside some nodejs builds and as its own package in Debian's: only when absent.
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
else
  echo "install-deps: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The console tests' npm packages (tests/console/package-lock.json pins exact versions): only
# when node_modules is missing or older than the lock. No browser download: Debian's chromium.
console_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/console"
installed="$console_dir/node_modules/.package-lock.json"
if [ ! -f "$installed" ] || [ "$console_dir/package-lock.json" -nt "$installed" ]; then
  echo "install-deps: npm ci in tests/console"
  (cd "$console_dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi
