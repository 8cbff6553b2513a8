#!/usr/bin/env bash
# A short case journey across the sample London agencies: referral → arrest → charge →
# hearing listed → outcome → sentence, with the agencies reporting when they told the victim.
# Starts its own gateway (port chosen by the OS, fresh data under var/demo/), sends each update
# with the accord CLI as the agency that owns it, shows what every agency received, tries a
# proposed agreement change on that traffic (dry run; unsigned, so it would not apply), then the
# Victims' Code compliance report of the journey (docs/compliance.md §10): the court's results
# reach the Witness Care Unit weeks after the hearing (occurred_at in the past), so one hop is
# late and one missing, while the victim.informed reports make the other clocks on time.
# Run through `scripts/run-gateway.sh --demo` (which builds first).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
cli=build/tools/accord/accord
demo=var/demo
rm -rf "$demo" && mkdir -p "$demo/keys"
# Victim Support and SurvivorsUK make their key pairs and hand the public halves over.
for agency in provider.lvws provider.survivors-uk; do
  "$cli" keys gen --agency "$agency" --dir "$demo/agency-keys/$agency" >/dev/null
  cp "$demo"/agency-keys/$agency/*.pub.json "$demo/keys/"
done
# Every party signs the sample agreements (development keys; docs/operations.md, "Governing
# agreements"): an agreement declared active grants nothing until all its parties have.
signed=$(scripts/sign-sample-agreements.sh "$demo" 2>&1) || { echo "$signed"; exit 1; }
echo "the sample agreements are co-signed by development signing keys of every party ($demo/signatures)"

# The sample config with a free port and the demo's own data directory.
sed -e "s#port: 8443#port: 0#" \
    -e "s#port: 8081#port: 0#" \
    -e "s#\.\./#$root/#g" \
    -e "s#^vocabulary: #vocabulary: $root/config/#" \
    -e "s#^agencies: #agencies: $root/config/#" \
    -e "s#^agreements: #agreements: $root/config/#" \
    -e "s#^  rules: #  rules: $root/config/#" \
    -e "s#^  calendar: #  calendar: $root/config/#" \
    -e "s#/var/london/#/var/demo/#g" \
    -e "s#level: info#level: warn#" \
    -e "/^admin_listen:/,/^  port:/d" config/london.yaml > "$demo/gateway.yaml"

# The directories the config names for file-drop adapters (an outbox to write, a drop folder
# to read): the gateway refuses to start without them, and var/demo/ was just made afresh.
sed -nE 's/.*[{ ]directory: *([^,} ]+).*/\1/p' "$demo/gateway.yaml" | while read -r dir; do
  mkdir -p "$dir"
done

build/gateway/app/accord-gateway --config "$demo/gateway.yaml" --ready-file "$demo/ready" \
    2> "$demo/gateway.log" &
gateway_pid=$!
trap 'kill -TERM $gateway_pid 2>/dev/null; wait $gateway_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  [ -s "$demo/ready" ] && break
  kill -0 "$gateway_pid" 2>/dev/null || break  # it exited: say why at once
  sleep 0.05
done
[ -s "$demo/ready" ] || { echo "the gateway did not start:"; cat "$demo/gateway.log"; exit 1; }
port=$(sed -E 's/.*"port": ([0-9]+).*/\1/' "$demo/ready")
export ACCORD_GATEWAY=127.0.0.1:$port
echo "gateway on 127.0.0.1:$port (log: $demo/gateway.log)"
echo

step() {  # step AGENCY FILE WHAT
  printf '── %s sends %s\n' "$1" "$3"
  # A refusal by the agreements (exit 2) is part of the story; a local problem (1) or a
  # gateway error (3) ends the demo with a failure (CI runs it).
  local code=0 file="config/demo/$2"
  if grep -q '@NOW@' "$file"; then
    # victim.informed says when the victim was told: now, on the real clock the gateway
    # judges it by (it must not be later than the gateway's receipt).
    sed "s/@NOW@/$(date -u +%Y-%m-%dT%H:%M:%SZ)/g" "$file" > "$demo/$2"
    file="$demo/$2"
  fi
  "$cli" send --as "$1" "$file" || code=$?
  if [ "$code" -ne 0 ] && [ "$code" -ne 2 ]; then
    echo "demo: sending $2 failed (exit $code); gateway log: $demo/gateway.log"
    exit 1
  fi
  echo
}
step police.met   01-police-referral-created.json "referral.created (victim referral with safe-contact details)"
step police.met   02-police-suspect-arrested.json "suspect.arrested"
step police.met   09-police-informed-arrest.json  "victim.informed (the officer phoned the victim about the arrest)"
step cps.london   03-cps-charge-decided.json      "charge.decided"
step cps.london   10-cps-informed-charge.json     "victim.informed (the CPS wrote to the victim about the charge)"
step court.london 04-court-hearing-listed.json    "hearing.listed (to the Witness Care Unit)"
step wcu.met      05-wcu-hearing-listed.json      "hearing.listed (WCU informs Victim Support)"
step court.london 06-court-case-outcome.json      "case.outcome of 18 November, sent only now (to the Witness Care Unit)"
step wcu.met      07-wcu-case-outcome.json        "case.outcome (WCU informs Victim Support)"

for agency in wcu.met provider.survivors-uk cps.london police.met; do
  printf '══ mailbox of %s\n' "$agency"
  "$cli" inbox --as "$agency" --ack
  echo
done
# The Witness Care Unit has read the listing and the outcome: it phones the victim.
step wcu.met      11-wcu-informed-hearing.json    "victim.informed (the hearing)"
step wcu.met      12-wcu-informed-outcome.json    "victim.informed (the outcome)"
# The sentence of 25 November, sent only now; the WCU does not collect it during the demo.
step court.london 08-court-sentence-passed.json   "sentence.passed of 25 November, sent only now (to the Witness Care Unit)"
echo "What the gateway stored for Victim Support's referral copy (safe-contact fields sealed):"
sqlite3 "$demo/spool.db" "SELECT payload FROM copies WHERE message_id='met-ref-2026-000417'" 2>/dev/null \
  | head -c 600 || true
echo " ..."
echo
printf '══ mailbox of provider.lvws, opened with its own secret key (signature checked)\n'
"$cli" inbox --as provider.lvws --ack --decrypt "$demo/agency-keys/provider.lvws"
echo
echo "Why Victim Support's copy of the arrest looks as it does, field by field:"
"$cli" agreements explain --from police.met --to provider.lvws config/demo/02-police-suspect-arrested.json || true
echo
# Governed change (docs/operations.md, "Governing agreements"): a v2 that would also give Victim
# Support the arresting officer's details, tried on this journey's traffic before anyone signs.
proposed="$demo/proposed"
rm -rf "$proposed" && cp -r config/agreements "$proposed"
sed -i -e 's/^version: 1$/version: 2/' -e 's/^      data.officer.\*: drop$/      data.officer.*: share/' \
  "$proposed/met-lvws-referral.yaml"
echo "A proposed met-lvws-referral v2, tried on the journey's traffic (docs/agreements.md, \"Dry run\"):"
dry=0
"$cli" agreements dry-run "$proposed" --db "$demo/spool.db" --since 1d \
  --agencies config/agencies.yaml --vocabulary config/vocabulary.yaml 2>/dev/null || dry=$?
if [ "$dry" -ne 1 ]; then
  echo "demo: the dry run should find the officer's details newly shared (exit 1, got $dry)"
  exit 1
fi
echo "Where it stands: the samples are co-signed, v2 by nobody yet (docs/agreements.md, \"list\"):"
"$cli" agreements list "$proposed" --signatures "$demo/signatures" --keys "$demo/keys" \
  | grep -E '^met-lvws-referral' || true
echo
echo "Victims' Code compliance report of the journey (docs/compliance.md §5), read from the spool:"
report=("$cli" compliance report --db "$demo/spool.db" --rules config/compliance/victims-code.yaml
        --calendar config/compliance/bank-holidays-england-and-wales.yaml
        --from 2026-01-01 --to "$(date -u -d '+1 day' +%Y-%m-%d)")
"${report[@]}"
echo
# The point of the story: the court's old results make one hop late and one missing. Checked
# here so CI fails if the figures ever stop showing it.
csv=$("${report[@]}" --format csv)
late=$(printf '%s\n' "$csv" | awk -F, 'NR > 1 {n += $7} END {print n + 0}')
missing=$(printf '%s\n' "$csv" | awk -F, 'NR > 1 {n += $8} END {print n + 0}')
if [ "$late" -lt 1 ] || [ "$missing" -lt 1 ]; then
  echo "demo: the report should show at least one late and one missing clock (late $late, missing $missing)"
  exit 1
fi
echo "demo complete: every step ran (gateway log: $demo/gateway.log)"
