#!/usr/bin/python3
"""Verifies, with PyNaCl and hashlib only, one salted Merkle batch that
`bench_merkle --vector K` prints (the batch-signature lever of issue 20, bench only).

Usage: build/bench/crypto/bench_merkle --vector K | bench/crypto/merkle_verify.py

For every copy: copy_hash = SHA-256(signing input) (docs/receipts.md §1), leaf =
SHA-256(0x00 || salt || copy_hash), the RFC 9162 §2.1.3.2 walk of its path with node =
SHA-256(0x01 || left || right), then the Ed25519 signature over
LP("accord-delivery-batch-v1") || u64be(size) || root. Also checks that a copy with one
signing-input byte changed, another copy's path, or another size is refused.
Exit 0 when all hold, 1 otherwise.
"""
import hashlib
import json
import struct
import sys

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

TAG = b"accord-delivery-batch-v1"


def sha256(b):
    return hashlib.sha256(b).digest()


def root_from_path(leaf, index, size, path):
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = sha256(b"\x01" + p + r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = sha256(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verifies(key, sig, size, signing_input, salt, index, path):
    leaf = sha256(b"\x00" + salt + sha256(signing_input))
    root = root_from_path(leaf, index, size, path)
    if root is None:
        return False
    message = struct.pack(">I", len(TAG)) + TAG + struct.pack(">Q", size) + root
    try:
        key.verify(message, sig)
        return True
    except BadSignatureError:
        return False


def main():
    batch = json.load(sys.stdin)
    key = VerifyKey(bytes.fromhex(batch["public_key"]))
    sig, size = bytes.fromhex(batch["sig"]), batch["size"]
    failures = []
    copies = batch["copies"]
    for c in copies:
        i, data = c["index"], bytes.fromhex(c["signing_input"])
        salt, path = bytes.fromhex(c["salt"]), [bytes.fromhex(p) for p in c["path"]]
        if not verifies(key, sig, size, data, salt, i, path):
            failures.append(f"copy {i} does not verify")
        altered = bytearray(data)
        altered[len(altered) // 2] ^= 1
        if verifies(key, sig, size, bytes(altered), salt, i, path):
            failures.append(f"copy {i} verifies with an altered byte")
        if verifies(key, sig, size + 1, data, salt, i, path):
            failures.append(f"copy {i} verifies under size {size + 1}")
        if size > 1:
            other = [bytes.fromhex(p) for p in copies[(i + 1) % size]["path"]]
            if other != path and verifies(key, sig, size, data, salt, i, other):
                failures.append(f"copy {i} verifies with another copy's path")
    for f in failures:
        print(f"merkle_verify: {f}", file=sys.stderr)
    print(f"merkle_verify: {size} copies, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
