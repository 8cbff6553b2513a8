#!/usr/bin/python3
"""An external Accord adapter over ZeroMQ: a small client library and a command line.

It speaks the protocol in docs/adapter-protocol.md (version ACCORD-ZMQ/1) over a CURVE
secured DEALER socket. The gateway knows this adapter only by its CURVE public key, which
its configuration binds to one agency.

    accord_adapter.py keygen PREFIX                 # writes PREFIX.key (secret) and PREFIX.pub
    accord_adapter.py --endpoint tcp://127.0.0.1:5600 --server-key gateway.pub \\
        --key-file me.key --agency provider.x submit envelopes.jsonl
    accord_adapter.py ... receive --out DIR [--fail-first N] [--count N]

Only the standard library and pyzmq are needed.
"""

import argparse
import hashlib
import json
import os
import re
import signal
import sys
import time

import zmq

VERSION = b"ACCORD-ZMQ/1"


class Disconnected(Exception):
    """The gateway said BYE or REFUSE, forgot us, or fell silent: connect again."""


class Refused(Exception):
    """The gateway refused our HELLO (wrong agency for this key, bad capabilities)."""


# --- keys -------------------------------------------------------------------------------

def keygen(prefix):
    """Writes PREFIX.key (Z85 secret key, mode 0600) and PREFIX.pub; returns the public key."""
    public, secret = zmq.curve_keypair()
    fd = os.open(prefix + ".key", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(secret + b"\n")
    with open(prefix + ".pub", "wb") as f:
        f.write(public + b"\n")
    return public.decode()


def read_key(value):
    """A Z85 key given inline (40 characters) or as the path of a file holding one."""
    if len(value) == 40 and not os.path.exists(value):
        return value.encode()
    with open(value, "rb") as f:
        key = f.read().strip()
    if len(key) != 40:
        raise ValueError(value + " does not hold one Z85 key")
    return key


# --- the connection ---------------------------------------------------------------------

class Connection:
    """One authenticated session with the gateway: HELLO/WELCOME, heartbeats, framing.

    recv() returns the next message other than PING/PONG as (kind, [frames]) with frames as
    bytes, or None when `timeout` passes; it answers PINGs, sends PINGs when we have been
    quiet, and raises Disconnected when the gateway has been silent for 3 heartbeats.
    """

    def __init__(self, endpoint, server_key, secret_key, agency,
                 capabilities=("inbound", "outbound"), hello_timeout=10.0):
        self.agency = agency
        self.context = zmq.Context.instance()
        self.socket = self.context.socket(zmq.DEALER)
        self.socket.curve_secretkey = secret_key
        self.socket.curve_publickey = zmq.curve_public(secret_key)
        self.socket.curve_serverkey = server_key
        self.socket.linger = 500
        self.socket.connect(endpoint)
        self.heartbeat = 5.0
        self.last_seen = self.last_sent = time.monotonic()
        self.send(b"HELLO", agency.encode(), ",".join(capabilities).encode())
        deadline = time.monotonic() + hello_timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not self.socket.poll(int(left * 1000)):
                self.close()
                raise Disconnected("no WELCOME (is this key configured on the gateway?)")
            kind, frames = self._read()
            if kind == b"WELCOME":
                self.heartbeat = int(frames[1]) / 1000.0
                self.max_in_flight = int(frames[2])
                self.max_submit_in_flight = int(frames[3])
                self.max_frame_bytes = int(frames[4])
                return
            if kind == b"REFUSE":
                self.close()
                raise Refused("%s: %s" % (frames[0].decode(), frames[1].decode()))

    def send(self, kind, *frames):
        self.socket.send_multipart([VERSION, kind] + list(frames))
        self.last_sent = time.monotonic()

    def _read(self):
        parts = self.socket.recv_multipart()
        self.last_seen = time.monotonic()
        if len(parts) < 2 or parts[0] != VERSION:
            raise Disconnected("the gateway speaks another protocol version")
        return parts[1], parts[2:]

    def recv(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            if now - self.last_seen > 3 * self.heartbeat:
                raise Disconnected("the gateway has been silent for 3 heartbeats")
            if now - self.last_sent >= self.heartbeat:
                self.send(b"PING")
            wait = min(deadline, self.last_sent + self.heartbeat) - now
            if self.socket.poll(max(0, int(wait * 1000))):
                kind, frames = self._read()
                if kind == b"PING":
                    self.send(b"PONG")
                elif kind == b"PONG":
                    pass
                elif kind == b"BYE":
                    raise Disconnected("gateway said BYE: " + frames[0].decode(errors="replace"))
                elif kind == b"ERROR" and frames[0] == b"not_welcomed":
                    raise Disconnected("the gateway forgot this session")
                else:
                    return kind, frames
            elif time.monotonic() >= deadline:
                return None

    def close(self, say_bye=False):
        if say_bye:
            self.send(b"BYE", b"closing")
        self.socket.close()


def connect_retrying(args, capabilities, log):
    """Connects, retrying on Disconnected with a short pause (Refused is final)."""
    secret = read_key(args.key_file)
    server = read_key(args.server_key)
    while True:
        try:
            return Connection(args.endpoint, server, secret, args.agency, capabilities)
        except Disconnected as e:
            log("connect: %s; retrying" % e)
            time.sleep(0.5)


# --- submit -------------------------------------------------------------------------------

def submit_file(args, out=sys.stdout, log=None):
    """Submits each line of a JSON-lines file; prints one JSON reply per line.

    Keeps up to the gateway's max_submit_in_flight requests outstanding, retries retryable
    refusals (overloaded, storage_unavailable) after a pause, and resubmits unanswered
    requests after a reconnect (the gateway answers `duplicate` for those it already has).
    Returns 0 when every envelope was accepted or a duplicate, 1 otherwise.
    """
    log = log or (lambda m: print(m, file=sys.stderr, flush=True))
    with open(args.file, "rb") as f:
        todo = [(str(n), line.strip()) for n, line in enumerate(f, 1) if line.strip()]
    bodies = dict(todo)
    queue = [rid for rid, _ in todo]
    outstanding, failed = set(), 0
    conn = connect_retrying(args, ("inbound",), log)
    window = min(32, conn.max_submit_in_flight)
    while queue or outstanding:
        try:
            while queue and len(outstanding) < window:
                rid = queue.pop(0)
                conn.send(b"SUBMIT", rid.encode(), bodies[rid])
                outstanding.add(rid)
            message = conn.recv(1.0)
        except Disconnected as e:
            log("disconnected: %s" % e)
            conn.close()
            queue = sorted(outstanding, key=int) + queue
            outstanding.clear()
            conn = connect_retrying(args, ("inbound",), log)
            continue
        if message is None:
            continue
        kind, frames = message
        if kind == b"ERROR":
            log("gateway error: %s: %s" % (frames[0].decode(), frames[1].decode()))
            continue
        if kind != b"SUBMIT_REPLY":
            continue
        rid, status, code, text, retryable, details = [x.decode() for x in frames[:6]]
        outstanding.discard(rid)
        if status == "refused" and retryable == "true":
            time.sleep(0.05)
            queue.append(rid)
            continue
        if status not in ("accepted", "duplicate"):
            failed += 1
        reply = {"line": int(rid), "status": status, "code": code, "message": text}
        reply.update(json.loads(details))
        print(json.dumps(reply), file=out, flush=True)
    conn.close(say_bye=True)
    return 1 if failed else 0


# --- receive ------------------------------------------------------------------------------

def safe_name(sender, message_id):
    """A file name per (sender, message id): readable, and distinct for distinct pairs."""
    digest = hashlib.sha256((sender + "\0" + message_id).encode()).hexdigest()[:12]
    readable = re.sub(r"[^A-Za-z0-9._-]", "_", sender + "--" + message_id)[:100]
    return "%s-%s.json" % (readable, digest)


def write_atomically(directory, name, data):
    """Write, fsync, rename, fsync the directory: the file is whole or absent."""
    tmp = os.path.join(directory, "." + name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, os.path.join(directory, name))
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def receive(args, out=sys.stdout, log=None):
    """Writes each delivered document to args.out, then ACKs it.

    The same message delivered twice (at-least-once) lands in the same file. --fail-first N
    answers the first N deliveries NACK retry; --delay-ack-ms holds each ACK back (a slow
    system) while heartbeats continue; --count N exits after N documents were written.
    """
    log = log or (lambda m: print(m, file=sys.stderr, flush=True))
    os.makedirs(args.out, exist_ok=True)
    fail_left, written = args.fail_first, 0
    held = []  # (due, delivery_id, name, document)
    conn = connect_retrying(args, ("outbound",), log)
    print("connected", file=out, flush=True)
    while args.count is None or written < args.count:
        try:
            now = time.monotonic()
            while held and held[0][0] <= now:
                _, delivery_id, name, document = held.pop(0)
                write_atomically(args.out, name, document)
                conn.send(b"ACK", delivery_id)
                written += 1
                print("acked %s" % delivery_id.decode(), file=out, flush=True)
            wait = (held[0][0] - now) if held else 1.0
            message = conn.recv(max(0.01, min(wait, 1.0)))
        except Disconnected as e:
            # Unacked deliveries are the gateway's to redeliver: forget ours.
            log("disconnected: %s" % e)
            held.clear()
            conn.close()
            conn = connect_retrying(args, ("outbound",), log)
            print("connected", file=out, flush=True)
            continue
        if message is None:
            continue
        kind, frames = message
        if kind == b"ERROR":
            log("gateway error: %s: %s" % (frames[0].decode(), frames[1].decode()))
            continue
        if kind != b"DELIVER" or len(frames) != 8:
            continue
        delivery_id, message_id, sender = frames[0], frames[1].decode(), frames[2].decode()
        document = frames[7]
        print("received %s %s" % (delivery_id.decode(), message_id), file=out, flush=True)
        if fail_left > 0:
            fail_left -= 1
            conn.send(b"NACK", delivery_id, b"retry", b"--fail-first")
            print("nacked %s" % delivery_id.decode(), file=out, flush=True)
            continue
        due = time.monotonic() + args.delay_ack_ms / 1000.0
        held.append((due, delivery_id, safe_name(sender, message_id), document))
    conn.close(say_bye=True)
    return 0


# --- command line -------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", help="the gateway's zmq endpoint, e.g. tcp://host:5600")
    parser.add_argument("--server-key", help="the gateway's Z85 public key, or a file holding it")
    parser.add_argument("--key-file", help="this adapter's Z85 secret key file (keygen makes one)")
    parser.add_argument("--agency", help="the agency this adapter's key is bound to")
    sub = parser.add_subparsers(dest="mode", required=True)
    k = sub.add_parser("keygen", help="write PREFIX.key (secret, 0600) and PREFIX.pub")
    k.add_argument("prefix")
    s = sub.add_parser("submit", help="submit each envelope of a JSON-lines file")
    s.add_argument("file")
    r = sub.add_parser("receive", help="write delivered documents to a directory, then ACK")
    r.add_argument("--out", required=True)
    r.add_argument("--fail-first", type=int, default=0, help="NACK retry the first N deliveries")
    r.add_argument("--delay-ack-ms", type=int, default=0, help="hold each ACK back this long")
    r.add_argument("--count", type=int, default=None, help="exit after N documents")
    args = parser.parse_args(argv)

    if args.mode == "keygen":
        print(keygen(args.prefix))
        return 0
    for name in ("endpoint", "server_key", "key_file", "agency"):
        if getattr(args, name) is None:
            parser.error("--%s is required for %s" % (name.replace("_", "-"), args.mode))
    # SIGTERM ends the loop like Ctrl-C: the gateway redelivers anything not yet ACKed.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        return submit_file(args) if args.mode == "submit" else receive(args)
    except Refused as e:
        print("refused by the gateway: %s" % e, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
