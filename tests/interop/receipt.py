#!/usr/bin/python3
"""Independent maker and checker of Accord delivery receipts, written only from
docs/receipts.md (and docs/field-encryption.md §4 for the delivery signing input).
PyNaCl and the standard library only.

Usage:
  receipt.py vectors                    print the test vectors (tests/data/receipts/vectors.json)
  receipt.py check-vectors FILE         recompute every vector in FILE; OK or the difference
  receipt.py sign ITEM.json SECRET.json print the receipt for a delivered item, signed with the
                                        recipient's *.sign.secret.json (and check it verifies)
  receipt.py copy-hash ITEM.json        print the copy_hash of a delivered item
Exit status 0 on success, 1 with FAILED: ... on any failure.
"""
import base64
import hashlib
import json
import os
import struct
import sys

import nacl.signing

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import open_fields  # noqa: E402  (the canonical envelope of docs/field-encryption.md §4.2)


def lp(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return struct.pack(">I", len(data)) + data


def delivery_signing_input(sender, recipient, message_id, received_at, canonical):
    return (lp("accord-delivery-v1") + lp(sender) + lp(recipient) + lp(message_id) +
            lp(received_at) + lp(canonical))


def copy_hash(delivery_input):
    return hashlib.sha256(delivery_input).hexdigest()


def receipt_signing_input(recipient, sender, message_id, chash):
    return (lp("accord-receipt-v1") + lp(recipient) + lp(sender) + lp(message_id) +
            lp(chash.encode("ascii")))


def make_receipt(signing_key, kid, recipient, sender, message_id, chash):
    sig = signing_key.sign(receipt_signing_input(recipient, sender, message_id, chash)).signature
    return {"alg": "ed25519", "kid": kid, "copy_hash": chash,
            "sig": base64.b64encode(sig).decode("ascii")}


# Fixed inputs: the vectors are a pure function of these.
VECTOR_INPUTS = [
    {
        "name": "mailbox copy",
        "sender": "police.met",
        "recipient": "provider.lvws",
        "message_id": "met-2026-000123",
        "received_at": "2026-11-22T09:30:00.123Z",
        "canonical_envelope": (
            '{"id":"met-2026-000123","type":"referral.created","case":{"urn":"01AB1234521",'
            '"owner":"police.met"},"subject":{"role":"victim","ref":"V-1"},'
            '"occurred_at":"2026-11-22T09:00:00Z","classification":"OFFICIAL-SENSITIVE",'
            '"data":{"needs":"housing"}}'),
        "agency": "provider.lvws",
        "kid": "provider.lvws:20261122T093000Z:ab12",
        "seed_hex": "".join("%02x" % i for i in range(32)),
    },
    {
        "name": "non-ASCII sender text",
        "sender": "cps.london",
        "recipient": "court.westminster",
        "message_id": "cps-\u00e9-1",
        "received_at": "2026-12-01T23:59:59.999Z",
        "canonical_envelope": '{"id":"cps-\u00e9-1","data":{"note":"\u2013"}}',
        "agency": "court.westminster",
        "kid": "court.westminster:20261201T000000Z:00ff",
        "seed_hex": "".join("%02x" % (255 - i) for i in range(32)),
    },
]


def vector(inputs):
    delivery = delivery_signing_input(inputs["sender"], inputs["recipient"], inputs["message_id"],
                                      inputs["received_at"], inputs["canonical_envelope"])
    chash = copy_hash(delivery)
    key = nacl.signing.SigningKey(bytes.fromhex(inputs["seed_hex"]))
    signing = receipt_signing_input(inputs["recipient"], inputs["sender"], inputs["message_id"],
                                    chash)
    out = dict(inputs)
    out["public_key"] = base64.b64encode(bytes(key.verify_key)).decode("ascii")
    out["delivery_signing_input_hex"] = delivery.hex()
    out["copy_hash"] = chash
    out["receipt_signing_input_hex"] = signing.hex()
    out["receipt"] = make_receipt(key, inputs["kid"], inputs["recipient"], inputs["sender"],
                                  inputs["message_id"], chash)
    return out


def vectors():
    return {"format": "accord-receipt-vectors-1", "vectors": [vector(v) for v in VECTOR_INPUTS]}


def check_vectors(path):
    stored = json.load(open(path, encoding="utf-8"))
    fresh = vectors()
    if stored != fresh:
        for a, b in zip(stored.get("vectors", []), fresh["vectors"]):
            for k in sorted(set(a) | set(b)):
                if a.get(k) != b.get(k):
                    print("vector %r member %s: stored %r, computed %r" %
                          (b["name"], k, a.get(k), b.get(k)))
        raise AssertionError("stored vectors differ from the ones computed")
    # And each stored receipt verifies under its key, and not over another copy.
    for v in stored["vectors"]:
        verify_key = nacl.signing.VerifyKey(base64.b64decode(v["public_key"], validate=True))
        sig = base64.b64decode(v["receipt"]["sig"], validate=True)
        verify_key.verify(bytes.fromhex(v["receipt_signing_input_hex"]), sig)
        other = receipt_signing_input(v["recipient"], v["sender"], v["message_id"] + "x",
                                      v["copy_hash"])
        try:
            verify_key.verify(other, sig)
        except nacl.exceptions.BadSignatureError:
            continue
        raise AssertionError("a receipt verified for another message id")
    print("OK %d vectors" % len(stored["vectors"]))


def item_copy_hash(item):
    return copy_hash(open_fields.signing_input(item))


def sign_item(item_path, secret_path):
    item = json.load(open(item_path, encoding="utf-8"))
    secret = json.load(open(secret_path, encoding="utf-8"))
    assert secret["format"] == "accord-signing-secret-key-1", "not a signing secret key file"
    assert secret["alg"] == "ed25519" and secret["purpose"] == "signing", "alg or purpose"
    secret_key = base64.b64decode(secret["secret_key"], validate=True)
    key = nacl.signing.SigningKey(secret_key[:32])
    assert bytes(key.verify_key) == base64.b64decode(secret["public_key"], validate=True)
    recipient = item["recipient"]
    assert secret["agency"] == recipient, "the key is not the item recipient's"
    receipt = make_receipt(key, secret["kid"], recipient, item["sender"], item["message_id"],
                           item_copy_hash(item))
    key.verify_key.verify(receipt_signing_input(recipient, item["sender"], item["message_id"],
                                                receipt["copy_hash"]),
                          base64.b64decode(receipt["sig"]))
    print(json.dumps(receipt, separators=(",", ":")))


def main(argv):
    if len(argv) == 2 and argv[1] == "vectors":
        print(json.dumps(vectors(), indent=2, ensure_ascii=False))
    elif len(argv) == 3 and argv[1] == "check-vectors":
        check_vectors(argv[2])
    elif len(argv) == 4 and argv[1] == "sign":
        sign_item(argv[2], argv[3])
    elif len(argv) == 3 and argv[1] == "copy-hash":
        print(item_copy_hash(json.load(open(argv[2], encoding="utf-8"))))
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception as e:  # any failure to read, sign or verify is a failed interop test
        print("FAILED: %s: %s" % (type(e).__name__, e))
        sys.exit(1)
