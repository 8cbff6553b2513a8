#!/usr/bin/python3
"""An independent verifier of Accord audit exports, written from docs/audit-format.md alone.

usage: verify_audit.py EXPORT.jsonl GATEWAY_KEY.json
Prints "OK records=N stubs=S checkpoints=C sealed=Q" and exits 0, or "FAIL <code> seq=<n>" and 1.
Needs Debian's python3-nacl (run with /usr/bin/python3).
"""
import base64
import hashlib
import json
import sys

import nacl.exceptions
import nacl.signing

PREFIX = b'{"h":"'
INFIX = b'","r":'


def lp(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def fail(code, seq):
    print(f"FAIL {code} seq={seq}")
    sys.exit(1)


def main():
    export_path, key_path = sys.argv[1], sys.argv[2]
    key_doc = json.load(open(key_path))
    public_key = base64.b64decode(key_doc["public_key"])
    kid = hashlib.blake2b(public_key, digest_size=32).hexdigest()[:16]
    verifier = nacl.signing.VerifyKey(public_key)

    lines = open(export_path, "rb").read().split(b"\n")
    header = json.loads(lines[0])
    if header.get("format") != "accord-audit-export-1":
        fail("malformed", 0)
    head = bytes.fromhex(header["prev"])
    next_seq = header["first_seq"]
    last_seq = next_seq - 1
    records = stubs = checkpoints = sealed = 0
    for raw in lines[1:]:
        raw = raw.rstrip(b"\r")
        if not raw:
            continue
        if raw.startswith(PREFIX) and raw[70:76] == INFIX and raw.endswith(b"}"):
            stated = bytes.fromhex(raw[6:70].decode())
            record = raw[76:-1]
            seq = json.loads(record)["seq"]
            digest = hashlib.sha256(record).digest()
            records += 1
        else:
            doc = json.loads(raw)
            if "checkpoint" in doc:
                c = doc["checkpoint"]
                if c["seq"] != last_seq:
                    fail("truncated" if c["seq"] > last_seq else "checkpoint_out_of_place", c["seq"])
                if c["kid"] != kid:
                    fail("wrong_gateway_key", c["seq"])
                signed = (lp(b"accord-audit-checkpoint-v1") + lp(str(c["seq"]).encode()) +
                          lp(c["head"].encode()) + lp(c["at"].encode()))
                try:
                    verifier.verify(signed, base64.b64decode(c["sig"]))
                except nacl.exceptions.BadSignatureError:
                    fail("signature_invalid", c["seq"])
                if bytes.fromhex(c["head"]) != head:
                    fail("checkpoint_mismatch", c["seq"])
                checkpoints += 1
                sealed = c["seq"]
                continue
            seq, digest, stated = doc["seq"], bytes.fromhex(doc["d"]), bytes.fromhex(doc["h"])
            stubs += 1
        if seq != next_seq:
            fail("seq_gap", seq)
        head = hashlib.sha256(b"accord-audit-chain-v1" + head + digest).digest()
        if head != stated:
            fail("chain_mismatch", seq)
        last_seq, next_seq = seq, seq + 1
    print(f"OK records={records} stubs={stubs} checkpoints={checkpoints} sealed={sealed}")


if __name__ == "__main__":
    main()
