#!/usr/bin/env bash
# Makes a development PKI for Accord: a dev CA, the gateway's server certificate, one client
# certificate per agency, admin and auditor certificates, and the certificates the tests need
# (revoked, expired, signed by a rogue CA) plus a CRL. See certs/README.md.
#
# Usage: certs/gen-dev-pki.sh [--force] [OUT_DIR] [AGENCY_ID ...]
#
# Idempotent: existing files are kept; --force deletes what this script made and starts over.
# If the CA itself has to be made, every certificate it signs is remade too (a kept leaf signed
# by a CA that no longer exists would be useless).
set -euo pipefail

readonly DEFAULT_AGENCIES=(police.met cps.london wcu.met provider.lvws provider.survivors-uk
                           probation.london)
readonly LEAF_DAYS=825
readonly CA_DAYS=3650

usage() {
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
}

force=0
args=()
for a in "$@"; do
  case "$a" in
    --force) force=1 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "gen-dev-pki: unknown option $a (see --help)" >&2; exit 64 ;;
    *) args+=("$a") ;;
  esac
done

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${args[0]:-$script_dir/out}"
agencies=("${args[@]:1}")
if [[ ${#agencies[@]} -eq 0 ]]; then agencies=("${DEFAULT_AGENCIES[@]}"); fi

for id in "${agencies[@]}"; do
  # The id becomes part of a file name, a URI and a DN: keep it to a safe alphabet.
  if [[ ! "$id" =~ ^[a-z0-9][a-z0-9._-]*$ ]]; then
    echo "gen-dev-pki: agency id '$id' must match [a-z0-9][a-z0-9._-]*" >&2
    exit 64
  fi
done

command -v openssl >/dev/null || { echo "gen-dev-pki: openssl not found" >&2; exit 69; }

mkdir -p "$out"
out="$(cd "$out" && pwd)"
db="$out/ca-db"

made=()
kept=()

if [[ $force -eq 1 ]]; then
  rm -rf "$db"
  rm -f "$out"/ca.pem "$out"/ca.key "$out"/server.pem "$out"/server.key "$out"/agency-*.pem \
    "$out"/agency-*.key "$out"/admin.pem "$out"/admin.key "$out"/auditor.pem "$out"/auditor.key \
    "$out"/revoked.pem "$out"/revoked.key "$out"/expired.pem "$out"/expired.key \
    "$out"/rogue-ca.pem "$out"/rogue-ca.key "$out"/rogue.pem "$out"/rogue.key "$out"/crl.pem
fi

# Private keys are created under umask 077 so they are never readable by others, even briefly.
new_key() {
  (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null)
  chmod 600 "$1"
}

# $1 = output config path. One CA database in $db; `openssl ca` keeps the index the CRL needs.
write_ca_config() {
  cat >"$1" <<EOF
[ ca ]
default_ca = dev_ca

[ dev_ca ]
dir = $db
database = \$dir/index.txt
serial = \$dir/serial
crlnumber = \$dir/crlnumber
new_certs_dir = \$dir/newcerts
certificate = $out/ca.pem
private_key = $out/ca.key
default_md = sha256
default_days = $LEAF_DAYS
default_crl_days = $CA_DAYS
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no

[ policy_any ]
organizationName = optional
organizationalUnitName = optional
commonName = supplied
EOF
}

make_ca() {
  new_key "$out/ca.key"
  openssl req -new -x509 -key "$out/ca.key" -sha256 -days "$CA_DAYS" \
    -subj "/O=Accord Development/CN=Accord Dev CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out "$out/ca.pem"
  rm -rf "$db"
  mkdir -p "$db/newcerts"
  : >"$db/index.txt"
  openssl rand -hex 16 >"$db/serial"
  echo 1000 >"$db/crlnumber"
  write_ca_config "$db/openssl.cnf"
  made+=(ca.pem ca.key)
}

# sign_leaf NAME CN SAN EKU [extra `openssl ca` args...] — NAME.pem/NAME.key signed by the dev CA.
sign_leaf() {
  local name="$1" cn="$2" san="$3" eku="$4"
  shift 4
  local ext csr
  ext="$(mktemp)"
  csr="$(mktemp)"
  cat >"$ext" <<EOF
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = $eku
subjectAltName = $san
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
  new_key "$out/$name.key"
  openssl req -new -key "$out/$name.key" -subj "/O=Accord Development/CN=$cn" -out "$csr"
  openssl ca -batch -notext -config "$db/openssl.cnf" -extfile "$ext" -in "$csr" \
    -out "$out/$name.pem" "$@" 2>/dev/null
  rm -f "$ext" "$csr"
  made+=("$name.pem" "$name.key")
}

# ensure_leaf NAME CN SAN EKU [...]: keeps NAME.pem/.key when both exist and the CA was kept.
ensure_leaf() {
  local name="$1"
  if [[ $ca_new -eq 0 && -s "$out/$name.pem" && -s "$out/$name.key" ]]; then
    kept+=("$name.pem" "$name.key")
    return 0
  fi
  sign_leaf "$@"
}

ca_new=0
if [[ -s "$out/ca.pem" && -s "$out/ca.key" && -s "$db/index.txt" ]]; then
  kept+=(ca.pem ca.key)
  write_ca_config "$db/openssl.cnf"  # the OUT_DIR may have moved since the last run
else
  make_ca
  ca_new=1
fi

# The gateway presents its server certificate as its client certificate when it POSTs to a
# webhook receiver with mutual TLS, so it carries both purposes. A server.pem made before
# clientAuth was added is remade once; after that the check keeps reruns idempotent.
if [[ -s "$out/server.pem" ]] &&
  ! openssl x509 -in "$out/server.pem" -noout -ext extendedKeyUsage 2>/dev/null |
  grep -q "TLS Web Client Authentication"; then
  rm -f "$out/server.pem" "$out/server.key"
fi
ensure_leaf server localhost "DNS:localhost,IP:127.0.0.1" serverAuth,clientAuth
for id in "${agencies[@]}"; do
  ensure_leaf "agency-$id" "$id" "URI:urn:accord:agency:$id" clientAuth
done
ensure_leaf admin admin "URI:urn:accord:admin:admin" clientAuth
ensure_leaf auditor auditor "URI:urn:accord:auditor:auditor" clientAuth

revoked_new=0
if [[ $ca_new -eq 1 || ! -s "$out/revoked.pem" || ! -s "$out/revoked.key" ]]; then
  sign_leaf revoked test.revoked "URI:urn:accord:agency:test.revoked" clientAuth
  openssl ca -config "$db/openssl.cnf" -revoke "$out/revoked.pem" -crl_reason keyCompromise \
    2>/dev/null
  revoked_new=1
else
  kept+=(revoked.pem revoked.key)
fi

# Validity entirely in the past; `openssl ca` takes explicit dates (works with OpenSSL 3.0).
ensure_leaf expired test.expired "URI:urn:accord:agency:test.expired" clientAuth \
  -startdate 20200101000000Z -enddate 20200102000000Z

if [[ $revoked_new -eq 1 || ! -s "$out/crl.pem" ]]; then
  openssl ca -gencrl -config "$db/openssl.cnf" -out "$out/crl.pem" 2>/dev/null
  made+=(crl.pem)
else
  kept+=(crl.pem)
fi

# A second, unknown CA: a certificate that claims police.met but that the gateway must refuse.
if [[ -s "$out/rogue-ca.pem" && -s "$out/rogue-ca.key" && -s "$out/rogue.pem" && -s "$out/rogue.key" ]]; then
  kept+=(rogue-ca.pem rogue-ca.key rogue.pem rogue.key)
else
  new_key "$out/rogue-ca.key"
  openssl req -new -x509 -key "$out/rogue-ca.key" -sha256 -days "$CA_DAYS" \
    -subj "/O=Accord Development/CN=Accord Dev CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$out/rogue-ca.pem"
  new_key "$out/rogue.key"
  rogue_ext="$(mktemp)"
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=clientAuth" "subjectAltName=URI:urn:accord:agency:police.met" >"$rogue_ext"
  openssl req -new -key "$out/rogue.key" -subj "/O=Accord Development/CN=police.met" |
    openssl x509 -req -CA "$out/rogue-ca.pem" -CAkey "$out/rogue-ca.key" -CAcreateserial \
      -days "$LEAF_DAYS" -sha256 -extfile "$rogue_ext" -out "$out/rogue.pem" 2>/dev/null
  rm -f "$rogue_ext" "$out/rogue-ca.srl"
  made+=(rogue-ca.pem rogue-ca.key rogue.pem rogue.key)
fi

# The admin and auditor certificates as PKCS#12 bundles, to import into a browser for the web
# console (docs/console.md, "Opening the console"). Development password: accord-dev.
for role in admin auditor; do
  if [[ -s "$out/$role.p12" && "$out/$role.p12" -nt "$out/$role.pem" ]]; then
    kept+=("$role.p12")
  else
    openssl pkcs12 -export -in "$out/$role.pem" -inkey "$out/$role.key" -certfile "$out/ca.pem" \
      -name "Accord development $role" -passout pass:accord-dev -out "$out/$role.p12"
    made+=("$role.p12")
  fi
done

chmod 600 "$out"/*.key "$out"/*.p12

echo "dev PKI in $out"
if [[ ${#made[@]} -gt 0 ]]; then echo "  made: ${made[*]}"; fi
if [[ ${#kept[@]} -gt 0 ]]; then echo "  kept: ${kept[*]}"; fi
echo "  gateway: ca=ca.pem crl=crl.pem cert=server.pem key=server.key"
