#!/usr/bin/python3
"""Minimal HTTPS webhook receiver for bench/e2e/delivery.sh: mutual TLS (client certificate
required, signed by CA), HTTP/1.1 keep-alive, answers 200 to every POST and appends its
Idempotency-Key, body length and the client's port (one per TCP connection) to OUT (flushed,
not fsync'd). Writes its port to READY once listening.
Usage: webhook_receiver.py CERT KEY CA OUT READY"""
import http.server, ssl, sys, threading

cert, key, ca, out_path, ready = sys.argv[1:6]
out = open(out_path, "a", buffering=1)
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock:
            out.write(f'{self.headers.get("Idempotency-Key")} {len(body)} {self.client_address[1]}\n')
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ctx.load_verify_locations(ca)
ctx.verify_mode = ssl.CERT_REQUIRED
server.socket = ctx.wrap_socket(server.socket, server_side=True)
with open(ready, "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
