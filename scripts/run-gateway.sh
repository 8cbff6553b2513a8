#!/usr/bin/env bash
# Command 1 of the README: from a fresh Debian 12 machine to the gateway running its main
# job — the sample London agencies and agreements, embedded storage under var/london/.
#   scripts/run-gateway.sh          run the gateway in the foreground (Ctrl-C drains and stops)
#   scripts/run-gateway.sh --demo   start it, play a case journey across the agencies, stop
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/install-deps.sh
echo "building accord-gateway and accord (first run takes a few minutes)..."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target accord-gateway accord -j"$(nproc)" >/dev/null
certs/gen-dev-pki.sh certs/out police.met cps.london wcu.met provider.lvws provider.survivors-uk probation.london court.london >/dev/null
mkdir -p var/london/keys var/london/outbox/probation.london var/london/drop/police.met
# The providers' encryption keys. In real life each agency runs `accord keys gen` itself
# and hands only the public *.pub.json to the gateway operator; here we play both parts.
for agency in provider.lvws provider.survivors-uk; do
  if ! ls var/london/agency-keys/$agency/*.secret.json >/dev/null 2>&1; then
    build/tools/accord/accord keys gen --agency "$agency" --dir "var/london/agency-keys/$agency" >/dev/null
  fi
  cp var/london/agency-keys/$agency/*.pub.json var/london/keys/
done
# The sample agreements grant nothing until every party has signed them (docs/operations.md,
# "Governing agreements"). In real life each party's data-protection officer makes a signing
# key and signs on their own machine; here development keys play every party: secrets in
# var/london/signing-keys/ (0600, never committed), public halves registered in var/london/keys.
scripts/sign-sample-agreements.sh var/london >/dev/null

if [ "${1:-}" = "--demo" ]; then
  exec scripts/demo.sh
fi

cat <<MSG
Accord gateway — sample London deployment (config/london.yaml)
  agencies:   police.met cps.london wcu.met provider.lvws provider.survivors-uk probation.london court.london
  agreements: config/agreements, co-signed by development keys of every party (var/london/signatures)
  storage:    $root/var/london/spool.db
  send a first case update (as the Metropolitan Police):
    build/tools/accord/accord send --as police.met tests/data/envelope/referral_created.json
  read Victim Support's mailbox:
    build/tools/accord/accord inbox --as provider.lvws
  a referral, whose safe-contact fields only Victim Support can open:
    build/tools/accord/accord send --as police.met tests/data/envelope/referral_created.json
    build/tools/accord/accord inbox --as provider.lvws --decrypt var/london/agency-keys/provider.lvws
  a whole case journey: scripts/run-gateway.sh --demo
  admin listener (admin/auditor certificates): https://127.0.0.1:8444
  web console: https://127.0.0.1:8444/console/ in a browser holding certs/out/auditor.p12 or
    certs/out/admin.p12 (password accord-dev) and trusting certs/out/ca.pem (docs/console.md)
  health: http://127.0.0.1:8081/livez and /readyz (plain HTTP, loopback)
  probation.london receives files in var/london/outbox/probation.london (filedrop adapter);
  police.met extracts dropped in var/london/drop/police.met (*.jsonl) are imported
  the audit log, as an auditor:
    build/tools/accord/accord audit query --cert certs/out/auditor.pem --key certs/out/auditor.key --ca certs/out/ca.pem --format table
  dead letters, as an administrator:
    build/tools/accord/accord dlq list --cert certs/out/admin.pem --key certs/out/admin.key --ca certs/out/ca.pem
MSG
exec build/gateway/app/accord-gateway --config config/london.yaml
