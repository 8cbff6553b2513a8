#!/usr/bin/python3
"""Independent check of the per-epoch data key, written only from docs/field-encryption.md.

Usage: epoch_fields.py DIR EPOCH_SECONDS
DIR holds messages.jsonl (inbox items, one a line, all to one recipient), expected.jsonl
(per line, {"data.<path>": <value>, ...} of that item), recipient.secret.json and
gateway-key.json. For every item: verifies the gateway signature (§4), opens every protected
field (§3) through a cache of unwrapped data keys keyed by (kid, wrapped_key) (§1: readers MAY
cache), and compares with the expected values. Then checks §1's rule from the items alone:
copies whose received_at falls in one epoch (floor(ms / (EPOCH_SECONDS * 1000))) carry one
wrapped_key, copies of different epochs different ones; and that a field moved between two
copies that share a key is refused. Prints "OK <items> items <unwraps> unwraps" and exits 0,
or prints the failure and exits 1.
"""
import base64
import copy
import datetime
import json
import sys

import nacl.bindings
import nacl.exceptions
import nacl.public

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from open_fields import b64, lp, protected_fields, verify  # noqa: E402


def received_ms(text):
    """RFC 3339 UTC with milliseconds, as the item prints it (doc §4.1)."""
    at = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    at = at.replace(tzinfo=datetime.timezone.utc)
    return int(at.timestamp()) * 1000 + at.microsecond // 1000


class Reader:
    def __init__(self, secret):
        self.secret = secret
        self.box = nacl.public.SealedBox(nacl.public.PrivateKey(b64(secret["secret_key"])))
        self.keys = {}  # (kid, wrapped_key text) -> data key
        self.unwraps = 0

    def data_key(self, obj):
        cache_key = (obj["kid"], obj["wrapped_key"])
        if cache_key not in self.keys:
            self.keys[cache_key] = self.box.decrypt(b64(obj["wrapped_key"]))
            self.unwraps += 1
        return self.keys[cache_key]

    def open_field(self, path, obj, item):
        if obj["accord_enc"] != 1 or obj["alg"] != "xchacha20poly1305-ietf":
            raise ValueError("format")
        if obj["kid"] != self.secret["kid"]:
            raise ValueError("kid")
        aad = (lp("accord-fe-1") + lp(item["envelope"]["id"]) + lp(path) + lp(item["sender"]) +
               lp(item["recipient"]) + lp(obj["kid"]))
        plain = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
            b64(obj["ct"]), aad, b64(obj["nonce"]), self.data_key(obj))
        return json.loads(plain.decode("utf-8"))


def fields_of(item):
    fields = []
    protected_fields(item["envelope"]["data"], "data", fields)
    return fields


def main():
    d, epoch_seconds = sys.argv[1], int(sys.argv[2])
    items = [json.loads(line) for line in open(d + "/messages.jsonl", encoding="utf-8")]
    expected = [json.loads(line) for line in open(d + "/expected.jsonl", encoding="utf-8")]
    secret = json.load(open(d + "/recipient.secret.json", encoding="utf-8"))
    gateway = json.load(open(d + "/gateway-key.json", encoding="utf-8"))
    reader = Reader(secret)

    by_epoch = {}  # epoch -> set of wrapped keys
    for item, want in zip(items, expected, strict=True):
        verify(item, gateway)
        fields = fields_of(item)
        got = {path: reader.open_field(path, obj, item) for path, obj in fields}
        if got != want:
            raise AssertionError("%s: fields differ: got %r want %r" % (item["message_id"], got, want))
        wrapped = {obj["wrapped_key"] for _, obj in fields}
        if len(wrapped) != 1:
            raise AssertionError("%s: fields of one copy under several keys" % item["message_id"])
        epoch = received_ms(item["received_at"]) // (epoch_seconds * 1000)
        by_epoch.setdefault(epoch, set()).update(wrapped)

    for epoch, wrapped in by_epoch.items():
        if len(wrapped) != 1:
            raise AssertionError("epoch %d: %d wrapped keys, want 1" % (epoch, len(wrapped)))
    all_keys = [next(iter(w)) for w in by_epoch.values()]
    if len(set(all_keys)) != len(all_keys):
        raise AssertionError("two epochs share a wrapped key")
    if reader.unwraps != len(by_epoch):
        raise AssertionError("%d unwraps for %d epochs" % (reader.unwraps, len(by_epoch)))

    # Two copies of one epoch share the key: the associated data alone must refuse a field of
    # one presented in the other.
    first_epoch = received_ms(items[0]["received_at"]) // (epoch_seconds * 1000)
    same = [it for it in items[1:]
            if received_ms(it["received_at"]) // (epoch_seconds * 1000) == first_epoch]
    if not same:
        raise AssertionError("no two items of one epoch to test a moved field with")
    path, obj = fields_of(items[0])[0]
    try:
        reader.open_field(path, obj, same[0])
    except nacl.exceptions.CryptoError:
        pass
    else:
        raise AssertionError("a field moved to another copy of the same epoch opened")
    other_path, _ = fields_of(items[0])[1]
    try:
        reader.open_field(other_path, obj, items[0])
    except nacl.exceptions.CryptoError:
        pass
    else:
        raise AssertionError("a field moved to another path opened")
    altered = copy.deepcopy(items[0])
    altered["envelope"]["data"]["victim"]["contact"]["phone"] = \
        fields_of(same[0])[0][1]
    try:
        verify(altered, gateway)
    except (nacl.exceptions.CryptoError, AssertionError):
        pass
    else:
        raise AssertionError("a copy with a swapped field kept its signature")

    print("OK %d items %d unwraps" % (len(items), reader.unwraps))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # any failure to read or verify is a failed interop test
        print("FAILED: %s: %s" % (type(e).__name__, e))
        sys.exit(1)
