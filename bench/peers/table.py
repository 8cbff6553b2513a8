"""Prints bench/peers.sh's table from the JSON reports in a work directory.

Usage: table.py WORK_DIR "WINDOWS"   (reports are PEER-wN.json, CPU files PEER-wN.cpu)
       table.py --line REPORT.json     (one progress line for one report)
"""
import json
import os
import sys

if sys.argv[1] == "--line":
    r = json.load(open(sys.argv[2]))
    l = r["latency_us"]
    print(f'   {r["throughput"]:,.0f} msg/s, p50 {l["p50"] / 1000:.2f} ms, '
          f'p99 {l["p99"] / 1000:.2f} ms, {r["errors_total"]} errors')
    sys.exit(0)

work, windows = sys.argv[1], [int(w) for w in sys.argv[2].split()]
WINDOW = {
    "rabbitmq": "W publishes unconfirmed per connection (sliding)",
    "mosquitto": "W QoS 1 PUBLISHes awaiting PUBACK per connection (sliding)",
    "nats": "W publishes awaiting PubAck per connection (sliding)",
    "accord": "1: one POST /v1/messages in flight per connection; W > 1: one "
              "POST /v1/messages:batch of W envelopes in flight per connection, the next "
              "sent when all W are answered (accord bench --batch W)",
}
ACK = {
    "rabbitmq": "confirm: quorum-queue Raft WAL fsync'd (batched)",
    "mosquitto": "PUBACK: in memory; disk at autosave (30 min)",
    "nats": "PubAck: in file store page cache; fsync every 2 min",
    "accord": "202: each copy committed, SQLite WAL fsync'd (group commit)",
}


def load(name):
    path = os.path.join(work, name + ".json")
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return None
    r = json.load(open(path))
    gw0, gw1, cu, cs = (float(x) for x in open(os.path.join(work, name + ".cpu")).read().split())
    sent = max(1, r["accepted"] + r["warmup_messages"] + r["errors_total"])
    r["server_us"] = (gw1 - gw0) / sent * 1e6
    r["client_us"] = (cu + cs) / sent * 1e6
    return r


peers = [p for p in ("rabbitmq", "mosquitto", "nats", "accord")
         if any(os.path.exists(os.path.join(work, f"{p}-w{w}.json")) for w in windows)]
accord = {w: load(f"accord-w{w}") for w in windows}
head = ["peer", "ack means", "window", "msgs/s", "p50 ms", "p99 ms", "errors",
        "server us/msg", "client us/msg", "Accord / peer (same window)"]
rows = []
for p in peers:
    for w in windows:
        r = load(f"{p}-w{w}")
        if r is None:
            continue
        l = r["latency_us"]
        ratio = "-"
        if accord[w] and p != "accord" and r["throughput"] > 0:
            ratio = f'{accord[w]["throughput"] / r["throughput"]:.2f}'
        rows.append([p, ACK.get(p, ""), str(w), f'{r["throughput"]:,.0f}', f'{l["p50"] / 1000:.2f}',
                     f'{l["p99"] / 1000:.2f}', str(r["errors_total"]), f'{r["server_us"]:.0f}',
                     f'{r["client_us"]:.0f}', ratio])
        for kind, e in r["errors"].items():
            print(f'{p}-w{w}: {e["count"]} x {kind} (first: {e["first"]})', file=sys.stderr)

print("| " + " | ".join(head) + " |")
print("|" + "---|" * len(head))
for row in rows:
    print("| " + " | ".join(row) + " |")
if not any(accord.values()):
    print("(no Accord run: no ratios)")
else:
    print("Accord / peer: Accord's msgs/s at the row's window over the peer's msgs/s in that row"
          " (no ratio where Accord has no row at that window).")
print()
print("What window W means for each peer:")
for p in peers:
    print(f"- {p}: {WINDOW[p]}")
