#!/usr/bin/env bash
# Development signing keys for every sample agency and every party's signature over the sample
# agreements, so that a gateway on config/agreements grants them (an agreement declared active
# grants only once every party has signed that exact text: docs/operations.md, "Governing
# agreements"). Used by scripts/run-gateway.sh, scripts/demo.sh and the bench scripts.
#   scripts/sign-sample-agreements.sh DIR
# makes DIR/signing-keys/ (the secret halves, 0600: development only, never committed),
# registers the public halves in DIR/keys/ (the gateway's `keys`) and writes the signed
# statements into DIR/signatures/ (the gateway's `signatures`). Idempotent: keys already made
# are kept, valid signatures already there are not made again. Needs the accord CLI
# (ACCORD_BIN, default build/tools/accord/accord).
set -euo pipefail
if [[ $# -ne 1 || "$1" == -h || "$1" == --help ]]; then
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
  exit 64
fi
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$1"
mkdir -p "$dir/keys" "$dir/signing-keys" "$dir/signatures"
chmod 700 "$dir/signing-keys"
ACCORD_BIN="${ACCORD_BIN:-$src/build/tools/accord/accord}" \
  "$src/scripts/sign-agreements.sh" "$src/config/agencies.yaml" "$src/config/agreements" \
  "$dir/keys" "$dir/signing-keys" "$dir/signatures"
