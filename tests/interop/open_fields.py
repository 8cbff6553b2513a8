#!/usr/bin/python3
"""Independent reader of accord-fe-1, written only from docs/field-encryption.md.

Usage: open_fields.py DIR
DIR holds message.json (one inbox item), recipient.secret.json, gateway-key.json and
expected.json ({"data.<path>": <value>, ...} for every protected field). Verifies the gateway
signature, decrypts every protected field, compares with expected.json, then checks that
tampered variants are refused. Prints OK and exits 0, or prints the failure and exits 1.
"""
import base64
import copy
import hashlib
import json
import struct
import sys

import nacl.bindings
import nacl.exceptions
import nacl.public
import nacl.signing


def lp(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return struct.pack(">I", len(data)) + data


def b64(text):
    return base64.b64decode(text, validate=True)


# --- canonical encoding of an envelope (doc §4.2, after docs/envelope.md §3 and §6) ---------

def leaf_text(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def flatten(node, prefix, out):
    for key, value in node.items():
        path = prefix + "." + key if prefix else key
        if isinstance(value, dict) and value:
            flatten(value, path, out)
        else:
            out.append((path, leaf_text(value)))


def canonical_envelope(env):
    leaves = []
    flatten(env["data"], "", leaves)
    leaves.sort(key=lambda pl: pl[0].encode("utf-8"))
    root = {}
    for path, text in leaves:
        node = root
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = ("leaf", text)

    def emit(node):
        if isinstance(node, tuple):
            return node[1]
        return "{" + ",".join(leaf_text(k) + ":" + emit(v) for k, v in node.items()) + "}"

    s = lambda v: leaf_text(v)
    return ("{" + '"id":' + s(env["id"]) + ',"type":' + s(env["type"]) +
            ',"case":{"urn":' + s(env["case"]["urn"]) + ',"owner":' + s(env["case"]["owner"]) +
            '},"subject":{"role":' + s(env["subject"]["role"]) + ',"ref":' +
            s(env["subject"]["ref"]) + '},"occurred_at":' + s(env["occurred_at"]) +
            ',"classification":' + s(env["classification"]) + ',"data":' + emit(root) +
            "}").encode("utf-8")


def signing_input(item):
    return (lp("accord-delivery-v1") + lp(item["sender"]) + lp(item["recipient"]) +
            lp(item["message_id"]) + lp(item["received_at"]) +
            lp(canonical_envelope(item["envelope"])))


def verify(item, gateway):
    sig = item["signature"]
    assert sig["alg"] == "ed25519", "signature alg"
    assert sig["kid"] == gateway["kid"], "signature kid"
    public = b64(gateway["public_key"])
    assert hashlib.blake2b(public, digest_size=32).hexdigest()[:16] == gateway["kid"], "kid rule"
    nacl.signing.VerifyKey(public).verify(signing_input(item), b64(sig["sig"]))


# --- field decryption (doc §3) -------------------------------------------------------------

def protected_fields(node, prefix, out):
    for key, value in node.items():
        path = prefix + "." + key
        if isinstance(value, dict) and "accord_enc" in value:
            out.append((path, value))
        elif isinstance(value, dict):
            protected_fields(value, path, out)


def open_field(path, obj, item, secret):
    if obj["accord_enc"] != 1:
        raise ValueError("unknown format version")
    if set(obj) != {"accord_enc", "alg", "ct", "kid", "nonce", "wrapped_key"}:
        raise ValueError("members")
    if obj["alg"] != "xchacha20poly1305-ietf" or obj["kid"] != secret["kid"]:
        raise ValueError("alg or kid")
    box = nacl.public.SealedBox(nacl.public.PrivateKey(b64(secret["secret_key"])))
    data_key = box.decrypt(b64(obj["wrapped_key"]))
    aad = (lp("accord-fe-1") + lp(item["envelope"]["id"]) + lp(path) + lp(item["sender"]) +
           lp(item["recipient"]) + lp(obj["kid"]))
    plain = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
        b64(obj["ct"]), aad, b64(obj["nonce"]), data_key)
    return json.loads(plain.decode("utf-8"))


def open_all(item, secret):
    fields = []
    protected_fields(item["envelope"]["data"], "data", fields)
    return {path: open_field(path, obj, item, secret) for path, obj in fields}


def must_fail(what, fn):
    try:
        fn()
    except (nacl.exceptions.CryptoError, ValueError, AssertionError):
        return
    raise AssertionError("tampered input accepted: " + what)


def main():
    d = sys.argv[1]
    item = json.load(open(d + "/message.json", encoding="utf-8"))
    secret = json.load(open(d + "/recipient.secret.json", encoding="utf-8"))
    gateway = json.load(open(d + "/gateway-key.json", encoding="utf-8"))
    expected = json.load(open(d + "/expected.json", encoding="utf-8"))
    assert secret["format"] == "accord-agency-secret-key-1" and secret["alg"] == "x25519"

    verify(item, gateway)
    opened = open_all(item, secret)
    if opened != expected:
        print("decrypted fields differ:\n got %r\nwant %r" % (opened, expected))
        return 1

    # Tampering must be refused.
    fields = []
    protected_fields(item["envelope"]["data"], "data", fields)
    path, obj = fields[0]

    bad = copy.deepcopy(obj)
    ct = bytearray(b64(bad["ct"]))
    ct[0] ^= 1
    bad["ct"] = base64.b64encode(bytes(ct)).decode()
    must_fail("flipped ct", lambda: open_field(path, bad, item, secret))
    must_fail("moved field", lambda: open_field(path + "x", obj, item, secret))
    other = copy.deepcopy(item)
    other["envelope"]["id"] = "another-message"
    must_fail("other message", lambda: open_field(path, obj, other, secret))
    must_fail("version 2", lambda: open_field(path, dict(obj, accord_enc=2), item, secret))
    altered = copy.deepcopy(item)
    altered["envelope"]["classification"] = "OFFICIAL"
    must_fail("altered envelope", lambda: verify(altered, gateway))
    late = dict(item, received_at="2000-01-01T00:00:00.000Z")
    must_fail("altered received_at", lambda: verify(late, gateway))
    print("OK %d fields" % len(opened))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # any failure to read or verify is a failed interop test
        print("FAILED: %s: %s" % (type(e).__name__, e))
        sys.exit(1)
