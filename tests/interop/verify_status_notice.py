#!/usr/bin/python3
"""Independent check of a status notice, written only from docs/receipts.md "Status notices".

Usage: verify_status_notice.py ITEM.json GATEWAY_KEY.json
       verify_status_notice.py --vectors
ITEM.json is one delivered notice item (as GET /v1/inbox lists it, or a push adapter delivers
it); GATEWAY_KEY.json is the document of GET /v1/gateway-key. Checks the item's shape, the
kid, the Ed25519 signature, that the status string is the sender's GET /v1/messages/{id}
JSON, then that tampered variants are refused. --vectors checks the doc's test vector.
Prints OK and exits 0, or prints the failure and exits 1. PyNaCl and hashlib only.
"""
import base64
import copy
import hashlib
import json
import struct
import sys

import nacl.exceptions
import nacl.signing


def lp(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return struct.pack(">I", len(data)) + data


def signing_input(item):
    return (lp("accord-status-v1") + lp(item["recipient"]) + lp(item["message_id"]) +
            lp(item["received_at"]) + lp(item["status"]))


def kid_of(public_key):
    return hashlib.blake2b(public_key, digest_size=32).hexdigest()[:16]


def verifies(item, public_key):
    sig = item["signature"]
    if sig["alg"] != "ed25519" or sig["kid"] != kid_of(public_key):
        return False
    try:
        nacl.signing.VerifyKey(public_key).verify(signing_input(item),
                                                  base64.b64decode(sig["sig"], validate=True))
        return True
    except (nacl.exceptions.BadSignatureError, ValueError):
        return False


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def check_item(item, public_key):
    if item.get("sender") != "gateway.status" or item.get("type") != "accord.delivery_status":
        fail("not a status notice: sender %r type %r" % (item.get("sender"), item.get("type")))
    if not item["message_id"].startswith("status-"):
        fail("notice message_id %r" % item["message_id"])
    if item["notice"]["outcome"] not in ("acknowledged", "dead_lettered"):
        fail("outcome %r" % item["notice"]["outcome"])
    if not verifies(item, public_key):
        fail("the gateway signature does not verify")
    status = json.loads(item["status"])
    if status["sender"] != item["recipient"]:
        fail("the status is about %s's submission, not the notice recipient's" % status["sender"])
    if item["notice"]["outcome"] == "acknowledged" and status["complete"] is not True:
        fail("an acknowledged notice whose status is not complete")
    for member, value in (("status", item["status"].replace("}", " }", 1)),
                          ("recipient", "police.other"), ("message_id", "status-0"),
                          ("received_at", "1970-01-01T00:00:00.000Z")):
        tampered = copy.deepcopy(item)
        tampered[member] = value
        if verifies(tampered, public_key):
            fail("a notice with %s altered still verifies" % member)


# docs/receipts.md "Status notices", test vector.
VECTOR_STATUS = (
    '{"message_id":"met-1","sender":"police.met","type":"referral.created",'
    '"case_urn":"01AB1234521","received_at":"2026-11-22T09:30:00.123Z","complete":true,'
    '"recipients":[{"recipient":"provider.lvws","state":"acknowledged","delivery_id":"42",'
    '"attempts":1,"acknowledged_at":"2026-11-22T10:14:59.000Z","receipt_required":false,'
    '"copy_hash":"' + "ab" * 32 + '"}]}')


def check_vectors():
    key = nacl.signing.SigningKey(bytes([0x42]) * 32)
    public_key = bytes(key.verify_key)
    if base64.b64encode(public_key).decode() != "IVL40Zt5HSRFMkLhXy6rbLfP+ntqXtMAl5YOBpiB2xI=":
        fail("vector public key")
    if kid_of(public_key) != "26e88ab5574ac2e8":
        fail("vector kid")
    item = {"recipient": "police.met", "message_id": "status-7",
            "received_at": "2026-11-22T10:15:00.000Z", "status": VECTOR_STATUS}
    data = signing_input(item)
    if len(data) != 479 or hashlib.sha256(data).hexdigest() != (
            "95ee7634f8506af8af3464c0197104590a4bd350441d4ed0f9605ef6553e90de"):
        fail("vector signing input")
    sig = base64.b64encode(key.sign(data).signature).decode()
    if sig != ("/YGp7Yfodzh869j0AEJFMdiVkFZ/T1xHxoRd1THL2gpt80tS8xVJVs1Nf29sUUgKVJsJof01zBzx8qhadsUPBQ=="):
        fail("vector signature")


def main():
    if sys.argv[1:] == ["--vectors"]:
        check_vectors()
        print("OK")
        return
    if len(sys.argv) != 3:
        fail("usage: verify_status_notice.py ITEM.json GATEWAY_KEY.json | --vectors")
    with open(sys.argv[1], encoding="utf-8") as f:
        item = json.load(f)
    with open(sys.argv[2], encoding="utf-8") as f:
        gateway = json.load(f)
    public_key = base64.b64decode(gateway["public_key"], validate=True)
    if gateway["kid"] != kid_of(public_key):
        fail("the gateway key document's kid does not match its key")
    check_vectors()
    check_item(item, public_key)
    print("OK")


if __name__ == "__main__":
    main()
