#!/usr/bin/env bash
# Runs certs/gen-dev-pki.sh into a temporary directory and checks what it made with the openssl
# CLI: what must verify does, and each test certificate fails for the reason it exists.
# Usage: gen_dev_pki_test.sh PATH/TO/gen-dev-pki.sh
set -uo pipefail

script="${1:?usage: gen_dev_pki_test.sh PATH/TO/gen-dev-pki.sh}"
dir="$(mktemp -d /tmp/accord-pki-test.XXXXXX)"
trap 'rm -rf "$dir"' EXIT
out="$dir/pki"
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok:   $*"; }

# verify NAME -> prints openssl verify's output, returns its status
verify() {
  openssl verify -CAfile "$out/ca.pem" -CRLfile "$out/crl.pem" -crl_check "$@" 2>&1
}

# expect_verify NAME PURPOSE WANT(ok|FRAGMENT): "ok", or fails with the given reason.
expect_verify() {
  local name="$1" purpose="$2" want="$3" output status
  output="$(verify -purpose "$purpose" "$out/$name.pem")"
  status=$?
  if [[ "$want" == ok ]]; then
    if [[ $status -eq 0 ]]; then pass "$name verifies"; else fail "$name should verify: $output"; fi
  elif [[ $status -eq 0 ]]; then
    fail "$name verified but should fail with '$want'"
  elif [[ "$output" != *"$want"* ]]; then
    fail "$name failed for the wrong reason (want '$want'): $output"
  else
    pass "$name refused: $want"
  fi
}

# expect_san NAME URI
expect_san() {
  local san
  san="$(openssl x509 -in "$out/$1.pem" -noout -ext subjectAltName 2>&1)"
  if [[ "$san" == *"$2"* ]]; then pass "$1 has $2"; else fail "$1 lacks $2: $san"; fi
}

# 1. First run with two custom agencies.
if ! "$script" "$out" police.met cps.london >"$dir/run1.log" 2>&1; then
  fail "first run failed: $(cat "$dir/run1.log")"
  exit 1
fi
grep -q "made: " "$dir/run1.log" || fail "first run did not report what it made"

expected=(ca.pem ca.key server.pem server.key agency-police.met.pem agency-police.met.key
          agency-cps.london.pem agency-cps.london.key admin.pem admin.key auditor.pem auditor.key
          revoked.pem revoked.key expired.pem expired.key rogue-ca.pem rogue.pem rogue.key crl.pem)
for f in "${expected[@]}"; do
  [[ -s "$out/$f" ]] || fail "missing $f"
done
[[ -e "$out/agency-wcu.met.pem" ]] && fail "made a default agency although agencies were given"

# 2. Keys are 0600, certificates are not secret.
for key in "$out"/*.key; do
  mode="$(stat -c %a "$key")"
  [[ "$mode" == 600 ]] || fail "$(basename "$key") has mode $mode, want 600"
done
pass "private keys are 0600"

# 3. Chains, purposes, revocation, expiry, rogue CA.
expect_verify agency-police.met sslclient ok
expect_verify agency-cps.london sslclient ok
expect_verify admin sslclient ok
expect_verify auditor sslclient ok
expect_verify server sslserver ok
expect_verify agency-police.met sslserver "unsuitable certificate purpose"
expect_verify revoked sslclient "certificate revoked"
expect_verify expired sslclient "certificate has expired"
expect_verify rogue sslclient "unable to get local issuer certificate"

# The CRL is what refuses revoked.pem: without -crl_check the same certificate chains fine.
if openssl verify -CAfile "$out/ca.pem" -purpose sslclient "$out/revoked.pem" >/dev/null 2>&1; then
  pass "revoked.pem chains to the CA (only the CRL refuses it)"
else
  fail "revoked.pem should chain to the CA without the CRL"
fi
# The rogue certificate is well-formed: its own CA accepts it.
if openssl verify -CAfile "$out/rogue-ca.pem" "$out/rogue.pem" >/dev/null 2>&1; then
  pass "rogue.pem verifies against rogue-ca.pem only"
else
  fail "rogue.pem should verify against rogue-ca.pem"
fi

# 4. Identities are SAN URIs; the server name covers localhost and 127.0.0.1.
expect_san agency-police.met "URI:urn:accord:agency:police.met"
expect_san agency-cps.london "URI:urn:accord:agency:cps.london"
expect_san admin "URI:urn:accord:admin:admin"
expect_san auditor "URI:urn:accord:auditor:auditor"
expect_san revoked "URI:urn:accord:agency:test.revoked"
expect_san expired "URI:urn:accord:agency:test.expired"
expect_san rogue "URI:urn:accord:agency:police.met"
expect_san server "DNS:localhost"
expect_san server "IP Address:127.0.0.1"
if openssl x509 -in "$out/server.pem" -noout -checkhost localhost | grep -q "does match"; then
  pass "server.pem matches host localhost"
else
  fail "server.pem does not match host localhost"
fi
if openssl pkey -in "$out/agency-police.met.key" -noout -text 2>/dev/null | grep -q "prime256v1"; then
  pass "keys are P-256"
else
  fail "agency key is not P-256"
fi

# 5. Idempotent: a second run keeps every file byte for byte.
(cd "$out" && sha256sum -- *.pem *.key) >"$dir/before.sum"
if ! "$script" "$out" police.met cps.london >"$dir/run2.log" 2>&1; then
  fail "second run failed: $(cat "$dir/run2.log")"
fi
if (cd "$out" && sha256sum --quiet -c "$dir/before.sum"); then
  pass "second run kept every file"
else
  fail "second run changed files"
fi
grep -q "made: " "$dir/run2.log" && fail "second run reports it made something"

# 6. --force remakes everything, and the result still verifies.
"$script" --force "$out" police.met >"$dir/run3.log" 2>&1 || fail "--force run failed"
if cmp -s <(cd "$out" && sha256sum ca.pem) <(grep ' ca.pem$' "$dir/before.sum"); then
  fail "--force kept the old CA"
else
  pass "--force made a new CA"
fi
expect_verify agency-police.met sslclient ok
expect_verify revoked sslclient "certificate revoked"

# 7. Bad input is refused.
if "$script" "$dir/bad" "../evil" >/dev/null 2>&1; then fail "accepted agency id ../evil"
else pass "refuses agency id ../evil"; fi
if "$script" --bogus "$dir/bad" >/dev/null 2>&1; then fail "accepted --bogus"
else pass "refuses unknown option"; fi

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
