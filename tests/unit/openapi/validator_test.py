"""scripts/validate-openapi.py refuses what is not OpenAPI 3.0: each row breaks a copy of
docs/api.yaml in one way and expects exit 1 with the problem named.

usage: validator_test.py VALIDATE_OPENAPI_PY API_YAML
"""
import os
import subprocess
import sys
import tempfile

import yaml

validator, api_yaml = sys.argv[1:3]
with open(api_yaml, encoding="utf-8") as f:
    original = yaml.safe_load(f)


def mutual_tls_in_3_0(doc):  # what docs/api.yaml held before: a 3.1 scheme in a 3.0 document
    doc["components"]["securitySchemes"] = {"mTLS": {"type": "mutualTLS"}}


def unresolved_ref(doc):
    doc["paths"]["/v1/messages"]["post"]["responses"]["400"] = {
        "$ref": "#/components/responses/NoSuchResponse"}


def response_without_description(doc):
    doc["paths"]["/healthz"]["get"]["responses"]["200"].pop("description")


def path_without_slash(doc):
    doc["paths"]["healthz"] = doc["paths"].pop("/healthz")


def version_3_1(doc):
    doc["openapi"] = "3.1.0"


def parameter_without_in(doc):
    doc["components"]["parameters"]["AfterSeq"].pop("in")


# (name, mutation, text the validator must print)
ROWS = [
    ("mutual_tls_in_3_0", mutual_tls_in_3_0, "securitySchemes"),
    ("unresolved_ref", unresolved_ref, "unresolved $ref"),
    ("response_without_description", response_without_description, "description"),
    ("path_without_slash", path_without_slash, "paths"),
    ("version_3_1", version_3_1, "3.0.x"),
    ("parameter_without_in", parameter_without_in, "AfterSeq"),
]


def run(doc):
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        yaml.safe_dump(doc, f, allow_unicode=True)
        path = f.name
    try:
        return subprocess.run([sys.executable, validator, path], capture_output=True, text=True,
                              timeout=60)
    finally:
        os.unlink(path)


failures = []
clean = run(original)
if clean.returncode != 0:
    failures.append(f"unchanged copy: exit {clean.returncode}\n{clean.stdout}")
for name, mutate, want in ROWS:
    doc = yaml.safe_load(yaml.safe_dump(original))
    mutate(doc)
    result = run(doc)
    if result.returncode != 1 or want not in result.stdout:
        failures.append(f"{name}: exit {result.returncode}, want 1 naming {want!r}\n"
                        f"{result.stdout[-600:]}")
    else:
        print(f"ok   {name}")
for failure in failures:
    print(f"FAIL {failure}")
sys.exit(1 if failures else 0)
