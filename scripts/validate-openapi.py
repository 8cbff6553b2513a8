#!/usr/bin/python3
"""Validates an OpenAPI 3.0 document (docs/api.yaml) against the OpenAPI Initiative's own JSON
Schema for 3.0 (Debian package openapi-specification) with python3-jsonschema, then checks
that every local $ref resolves. Prints each problem with its location; exit 0 valid, 1 not.

    scripts/validate-openapi.py docs/api.yaml
"""
import json
import sys

import jsonschema
import yaml

SCHEMA = "/usr/share/openapi-specification/schemas/v3.0/schema.json"


def refs(node, where="#"):
    """Yields (location, ref) for every $ref in the document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield where, value
            else:
                yield from refs(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from refs(value, f"{where}/{i}")


def resolve(doc, ref):
    if not ref.startswith("#/"):
        return False  # the API document is self-contained
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def main(path):
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    problems = []
    if not isinstance(doc, dict) or not str(doc.get("openapi", "")).startswith("3.0."):
        problems.append(f"{path}: 'openapi' must be 3.0.x (the schema this checks against)")
    else:
        validator = jsonschema.Draft4Validator(schema)
        for error in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
            location = "/".join(str(p) for p in error.absolute_path) or "(root)"
            problems.append(f"{path}: {location}: {error.message[:300]}")
        for where, ref in refs(doc):
            if not resolve(doc, ref):
                problems.append(f"{path}: {where[1:]}: unresolved $ref {ref}")
    for problem in problems:
        print(problem)
    if problems:
        print(f"{path}: NOT valid OpenAPI ({len(problems)} problems)")
        return 1
    print(f"{path}: valid OpenAPI {doc['openapi']}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: validate-openapi.py API.yaml", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
