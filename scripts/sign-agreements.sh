#!/usr/bin/env bash
# Development signatures for a sample agreement set (docs/agreements.md, "Signing keys and
# signed statements"): in real life each party's data-protection officer makes their own
# signing key and signs on their own machine; for a demo or a test one script plays them all.
#
# usage: scripts/sign-agreements.sh AGENCIES_YAML AGREEMENTS_DIR PUB_DIR SECRET_DIR SIG_DIR
#
#   1. every agency of AGENCIES_YAML (each `id:` entry) without a signing secret in SECRET_DIR
#      gets one (`accord keys gen --purpose signing`, secret 0600 in SECRET_DIR);
#   2. every agency's public signing key is copied into PUB_DIR (the gateway's `keys`) when
#      PUB_DIR lacks it or holds other bytes under its name;
#   3. every party signs every `*.yaml` of AGREEMENTS_DIR that says `status: active`, into SIG_DIR
#      (the gateway's `signatures`), unless a statement that verifies is already there.
# One line per thing made; a second run makes nothing and prints nothing. Exit 0, or the exit
# code of the accord command that failed. ACCORD_BIN names the CLI (default
# build/tools/accord/accord).
set -euo pipefail

if [ "$#" -ne 5 ]; then
  echo "usage: $0 AGENCIES_YAML AGREEMENTS_DIR PUB_DIR SECRET_DIR SIG_DIR" >&2
  exit 2
fi
agencies_yaml=$1 agreements_dir=$2 pub_dir=$3 secret_dir=$4 sig_dir=$5
accord=${ACCORD_BIN:-build/tools/accord/accord}
if [ ! -x "$accord" ]; then
  echo "$0: no accord CLI at $accord (build it, or set ACCORD_BIN)" >&2
  exit 2
fi
if [ ! -r "$agencies_yaml" ] || [ ! -d "$agreements_dir" ]; then
  echo "$0: $agencies_yaml must be a readable file and $agreements_dir a directory" >&2
  exit 2
fi

# Agency ids as the agency directory writes them: `- id: police.met` (block or flow mapping).
mapfile -t agencies < <(sed -n -E \
  's/^[[:space:]]*-?[[:space:]]*\{?[[:space:]]*id:[[:space:]]*["'"'"']?([a-z0-9.-]+).*/\1/p' \
  "$agencies_yaml")
if [ "${#agencies[@]}" -eq 0 ]; then
  echo "$0: no agency ids in $agencies_yaml" >&2
  exit 2
fi

shopt -s nullglob
agreements=("$agreements_dir"/*.yaml)
mkdir -p "$pub_dir" "$sig_dir"

for agency in "${agencies[@]}"; do
  # <agency>.<yyyymmddThhmmssZ>-<hex>: the digit keeps police.met from matching police.met.x
  secrets=("$secret_dir/$agency".[0-9]*.sign.secret.json)
  if [ "${#secrets[@]}" -eq 0 ]; then
    "$accord" keys gen --purpose signing --agency "$agency" --dir "$secret_dir" >/dev/null
    secrets=("$secret_dir/$agency".[0-9]*.sign.secret.json)
    echo "signing key made for $agency: ${secrets[-1]}"
  fi
  secret=${secrets[-1]}  # names sort by creation time: the newest
  pub=${secret%.sign.secret.json}.sign.pub.json
  registered=$pub_dir/$(basename "$pub")
  if ! cmp -s "$pub" "$registered"; then
    cp "$pub" "$registered"
    chmod 0644 "$registered"
    echo "signing key registered: $registered"
  fi
  if [ "${#agreements[@]}" -gt 0 ]; then
    # Prints one line per statement written; files not active, not this agency's, or signed
    # already are skipped silently.
    "$accord" agreements sign "${agreements[@]}" --key "$secret" --out "$sig_dir" --if-needed
  fi
done
