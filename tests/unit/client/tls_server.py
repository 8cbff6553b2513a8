#!/usr/bin/python3
"""A real TLS HTTP/1.1 server for accord_client's tests (Python http.server + ssl).

Prints its port on the first stdout line, then one line per event the tests wait on:
"closed <conn>" after it hung up on a connection, "handshake_failed <reason>".

Routes:  GET|POST /echo  -> 200 {"method","path","body","peer","conn"}
         GET /close      -> 200 keep-alive response, then the server closes the connection
         POST /drop      -> reads the request, counts it, closes without answering
         GET /count      -> 200 {"drop": n}
         GET /hang       -> never answers
"""
import argparse
import http.server
import json
import ssl
import sys
import threading

lock = threading.Lock()
drops = 0
next_conn = 0


def say(line):
    with lock:
        print(line, flush=True)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        global next_conn
        super().setup()
        with lock:
            next_conn += 1
            self.conn = next_conn
        self.request.accord_conn = self.conn

    def log_message(self, *args):
        pass

    def peer(self):
        cert = self.request.getpeercert()
        if not cert:
            return None
        uris = [v for k, v in cert.get("subjectAltName", ()) if k == "URI"]
        return uris[0] if uris else None

    def body(self):
        n = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(n).decode() if n else ""

    def answer(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def echo(self):
        self.answer(200, {"method": self.command, "path": self.path, "body": self.body(),
                          "peer": self.peer(), "conn": self.conn})

    def do_GET(self):
        global drops
        if self.path == "/echo":
            self.echo()
        elif self.path == "/close":
            self.answer(200, {"conn": self.conn})
            self.close_connection = True
        elif self.path == "/count":
            with lock:
                n = drops
            self.answer(200, {"drop": n})
        elif self.path == "/hang":
            threading.Event().wait()
        else:
            self.answer(404, {"error": {"code": "not_found", "message": self.path, "path": ""}})

    def do_POST(self):
        global drops
        if self.path == "/echo":
            self.echo()
        elif self.path == "/drop":
            self.body()
            with lock:
                drops += 1
            self.close_connection = True
        else:
            self.answer(404, {"error": {"code": "not_found", "message": self.path, "path": ""}})


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, context):
        super().__init__(("127.0.0.1", 0), Handler)
        self.context = context

    def get_request(self):
        sock, addr = self.socket.accept()
        # Handshake in the connection's thread so a stalled client blocks nobody else.
        return self.context.wrap_socket(sock, server_side=True,
                                        do_handshake_on_connect=False), addr

    def finish_request(self, request, client_address):
        try:
            request.do_handshake()
        except (ssl.SSLError, OSError) as e:
            say("handshake_failed %s" % getattr(e, "reason", e))
            return
        super().finish_request(request, client_address)

    def shutdown_request(self, request):
        conn = getattr(request, "accord_conn", None)
        super().shutdown_request(request)
        if conn is not None:
            say("closed %d" % conn)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--client-cert", choices=["required", "optional"], default="required")
    a = p.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    ctx.load_verify_locations(a.ca)
    ctx.verify_mode = ssl.CERT_REQUIRED if a.client_cert == "required" else ssl.CERT_OPTIONAL
    server = Server(ctx)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
