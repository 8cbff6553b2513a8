#!/usr/bin/python3
"""POST /v1/messages:batch driven from docs/api.yaml ("Batches") alone, with `requests`.

    batch_submit.py HOST:PORT CA CERT KEY ENVELOPE.json

Talks to a running gateway over mTLS as the agency of CERT (verifying the gateway against CA
only: trust_env is off, so no proxy or system bundle is used), and checks what the document
promises:
  * the answer is 200 {"results": [...]}, one result per item, in order, each starting with
    "index" then "http_status" and followed by exactly the single submit's members;
  * each item's answer equals the answer a single POST /v1/messages of the same bytes gives
    (a resubmission of the same bytes is then 200 duplicate with the first answer);
  * an item's bytes are the element's own: whitespace around it is not part of it;
  * the whole-batch refusals: 415 unsupported_media_type, 400 invalid_batch with its path.
Prints one line per failed check; exit 0 when all pass, 1 otherwise.
"""
import json
import sys
import uuid

import requests

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what)


def main():
    address, ca, cert, key, envelope_file = sys.argv[1:6]
    base = "https://" + address
    session = requests.Session()
    session.trust_env = False
    session.verify = ca
    session.cert = (cert, key)
    json_type = {"Content-Type": "application/json"}

    with open(envelope_file, encoding="utf-8") as f:
        template = json.load(f)
    run = uuid.uuid4().hex[:12]

    def envelope(n, **changes):
        e = dict(template)
        e["id"] = "py-%s-%d" % (run, n)
        e.update(changes)
        return json.dumps(e, separators=(",", ":"))

    items = [envelope(1), envelope(2, type="no.such_event"), envelope(3)]
    # JSON whitespace around the elements: not part of the items.
    body = '{ "messages" : [\n ' + " ,\n ".join(items) + " \n] }"
    r = session.post(base + "/v1/messages:batch", data=body.encode(), headers=json_type)
    check(r.status_code == 200, "batch answered %d: %s" % (r.status_code, r.text[:200]))
    if r.status_code != 200:
        return
    results = r.json()["results"]
    check(len(results) == len(items), "one result per item")
    # Members in order: index, http_status, then the single answer's (bytes kept).
    raw = r.text
    for i, result in enumerate(results):
        check(list(result)[:2] == ["index", "http_status"], "result %d starts index, http_status" % i)
        check(result["index"] == i, "result %d has index %d" % (i, i))
        head = '{"index":%d,"http_status":%d' % (i, result["http_status"])
        check(head in raw, "result %d is written as %s..." % (i, head))
    check(results[0]["http_status"] == 202 and results[0]["status"] == "accepted",
          "item 0 accepted")
    check(results[1]["http_status"] == 422 and results[1]["error"]["code"] == "unknown_event_type",
          "item 1 refused unknown_event_type")

    # The same bytes as single submits: duplicates of the batch's items, answered with the
    # first answer, so the members are the batch result's without index and http_status.
    for i, item in enumerate(items):
        single = session.post(base + "/v1/messages", data=item.encode(), headers=json_type)
        want = {k: v for k, v in results[i].items() if k not in ("index", "http_status")}
        if results[i]["http_status"] in (200, 202):
            check(single.status_code == 200, "single resend of item %d is 200 duplicate" % i)
            got = single.json()
            got.pop("duplicate", None)
            want.pop("duplicate", None)
            check(got == want, "single resend of item %d gives the first answer" % i)
        else:
            check(single.status_code == results[i]["http_status"],
                  "single submit of item %d has the item's status" % i)
            check(single.json() == want, "single submit of item %d has the item's body" % i)

    # A single submit first, then the same bytes in a batch: the batch item is its duplicate.
    fresh = envelope(4)
    first = session.post(base + "/v1/messages", data=fresh.encode(), headers=json_type)
    check(first.status_code == 202, "single submit accepted")
    r = session.post(base + "/v1/messages:batch",
                     data=('{"messages":[%s]}' % fresh).encode(), headers=json_type)
    check(r.status_code == 200, "second batch answered 200")
    if r.status_code == 200:
        item = r.json()["results"][0]
        check(item["http_status"] == 200 and item.get("duplicate") is True,
              "an item after the same single submit is its duplicate")
        check(item["id"] == first.json()["id"] and
              item["received_at"] == first.json()["received_at"],
              "the duplicate carries the first answer")

    # Whole-batch refusals: nothing submitted.
    r = session.post(base + "/v1/messages:batch", data=b'{"messages":[]}', headers=json_type)
    check(r.status_code == 400 and r.json()["error"]["code"] == "invalid_batch" and
          r.json()["error"]["path"] == "messages", "empty messages is 400 invalid_batch")
    r = session.post(base + "/v1/messages:batch",
                     data=('{"messages":[%s,"x"]}' % envelope(5)).encode(), headers=json_type)
    check(r.status_code == 400 and r.json()["error"]["path"] == "messages[1]",
          "a string element is 400 invalid_batch at messages[1]")
    r = session.post(base + "/v1/messages:batch",
                     data=('{"messages":[%s]}' % envelope(5)).encode(),
                     headers={"Content-Type": "text/plain"})
    check(r.status_code == 415 and r.json()["error"]["code"] == "unsupported_media_type",
          "text/plain is 415")
    # envelope(5) was in both refused batches: never submitted, so it is new now.
    r = session.post(base + "/v1/messages", data=envelope(5).encode(), headers=json_type)
    check(r.status_code == 202, "nothing of a refused batch was submitted")


if __name__ == "__main__":
    main()
    print("batch_submit.py: %s" % ("ok" if not failures else "%d failures" % len(failures)))
    sys.exit(1 if failures else 0)
