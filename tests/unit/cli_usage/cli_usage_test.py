"""`accord` and `accord-gateway`: --version and --help, and the exit code of usage errors.

usage: cli_usage_test.py ACCORD ACCORD_GATEWAY PROJECT_VERSION

Documented codes: `accord` exits 1 on a local problem such as bad arguments (root --help
footer), except `accord agreements ...`, `accord audit verify` and `accord audit agreement`,
which exit 2 on usage or input errors (their --help); `accord-gateway` exits 2 on a usage error, like an invalid
configuration (docs/operations.md). One row per case; every row runs, failures are listed.
"""
import subprocess
import sys

accord, gateway, version = sys.argv[1:4]

# (binary, arguments, exit code, text that stdout+stderr must contain)
ROWS = [
    (accord, ["--version"], 0, f"accord {version}"),
    (gateway, ["--version"], 0, f"accord-gateway {version}"),
    (accord, ["--help"], 0, "Exit codes"),
    (gateway, ["--help"], 0, "--config"),
    (accord, [], 1, ""),
    (accord, ["--no-such-flag"], 1, ""),
    (accord, ["no-such-command"], 1, ""),
    (accord, ["send", "--no-such-flag", "x.json"], 1, "no-such-flag"),
    (accord, ["inbox", "--as"], 1, ""),
    (accord, ["inbox", "--receipt-key", "k.json"], 1, "--ack"),
    (accord, ["receipt"], 1, ""),
    (accord, ["receipt", "sign", "item.json"], 1, "--key"),
    (accord, ["receipt", "sign", "--help"], 0, "/v1/inbox/{delivery_id}/ack"),
    (accord, ["status"], 1, "ID"),
    (accord, ["status", "met/1"], 1, "not a message id"),
    # several gateways, comma-separated: every entry must be HOST:PORT (checked before any load)
    (accord, ["bench", "--gateway", "127.0.0.1:1,", "-n", "1"], 1, "gateway"),
    (accord, ["bench", "--gateway", "127.0.0.1:1,nope", "-n", "1"], 1, "gateway"),
    (accord, ["dlq", "list", "--limit", "many"], 1, ""),
    (accord, ["audit", "query", "--no-such-flag"], 1, "no-such-flag"),
    (accord, ["keys", "gen"], 1, ""),
    (accord, ["keys", "gen", "--agency", "police.met", "--purpose", "sealing"], 1, "purpose"),
    (accord, ["keys", "gen", "--help"], 0, "--signer"),
    (accord, ["spool"], 1, ""),
    (accord, ["spool", "migrate"], 1, "required"),
    (accord, ["spool", "migrate", "--help"], 0, "Exit 0 migrated and verified"),
    (accord, ["compliance"], 1, ""),
    (accord, ["compliance", "report"], 1, "required"),
    (accord, ["compliance", "report", "--help"], 0, "docs/compliance.md"),
    (accord, ["compliance", "report", "--from", "2026-11-01", "--to", "2026-12-01", "--right",
              "13"], 1, "right"),
    (accord, ["compliance", "report", "--from", "November", "--to", "2026-12-01"], 1, "--from"),
    (accord, ["compliance", "report", "--from", "2026-12-01", "--to", "2026-11-01"], 1, "--to"),
    (accord, ["compliance", "report", "--from", "2026-11-01", "--to", "2026-12-01", "--db",
              "x.db"], 1, "--rules"),
    (accord, ["compliance", "report", "--from", "2026-11-01", "--to", "2026-12-01", "--clocks"],
     1, "--format json"),
    (accord, ["compliance", "notices"], 1, "give one of --message or --subject"),
    (accord, ["compliance", "notices", "--message", "no-slash", "--db", "x.db"], 1, "SENDER/ID"),
    (accord, ["agreements", "validate", "x.yaml", "--no-such-flag"], 2, "no-such-flag"),
    (accord, ["agreements", "explain", "--no-such-flag"], 2, "required"),
    (accord, ["agreements", "no-such-command"], 2, ""),
    (accord, ["agreements", "sign", "x.yaml"], 2, "--key"),
    (accord, ["agreements", "suspend", "x.yaml", "--key", "k.json"], 2, "--reason"),
    (accord, ["agreements", "sign", "--help"], 0, "--if-needed"),
    (accord, ["audit", "verify", "--no-such-flag"], 2, "required"),
    (accord, ["audit", "verify"], 2, ""),
    (accord, ["audit", "agreement"], 2, "required"),
    (accord, ["audit", "agreement", "--no-such-flag", "x@1"], 2, "no-such-flag"),
    (accord, ["audit", "agreement", "x"], 2, "not an agreement version"),
    (accord, ["audit", "agreement", "x@01", "--db", "x.db"], 2, "leading zero"),
    (accord, ["audit", "agreement", "x@1", "--db", "a.db", "--export", "b.jsonl"], 2, "not both"),
    (accord, ["audit", "agreement", "x@1", "--export", "/nonexistent/e.jsonl"], 2, "cannot read"),
    (accord, ["audit", "agreement", "--help"], 0, "sha256sum"),
    (gateway, [], 2, "--config"),
    (gateway, ["--config", "x.yaml", "--no-such-flag"], 2, "no-such-flag"),
    (gateway, ["--config"], 2, ""),
]

failures = []
for binary, args, want_code, want_text in ROWS:
    name = " ".join([binary.rsplit("/", 1)[-1]] + args)
    run = subprocess.run([binary] + args, capture_output=True, text=True, timeout=60,
                         stdin=subprocess.DEVNULL)
    output = run.stdout + run.stderr
    if run.returncode != want_code:
        failures.append(f"{name}: exit {run.returncode}, want {want_code}\n{output[-400:]}")
    elif want_text not in output:
        failures.append(f"{name}: output lacks {want_text!r}\n{output[-400:]}")
    else:
        print(f"ok   {name} -> {run.returncode}")

for failure in failures:
    print(f"FAIL {failure}")
print(f"{len(ROWS) - len(failures)} of {len(ROWS)} rows pass")
sys.exit(1 if failures else 0)
