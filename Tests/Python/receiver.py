"""A local HTTP receiver for the exporter tests: records every POST it accepts, one JSON line per
request ({"path", "headers", "body"}) in REQUESTS, in arrival order, flushed at once.

    python3 receiver.py PORT REQUESTS [STATUS_FILE [CERT KEY]]

It answers 200, or the status code written in STATUS_FILE while that file exists (a 503 outage),
in which case the request is not recorded; "hang" there makes it never answer. With CERT and KEY it speaks HTTPS. Prints "listening"
once the port is bound.
"""
import http.server
import json
import os
import socket
import ssl
import sys
import time

port, requests_path = int(sys.argv[1]), sys.argv[2]
status_path = sys.argv[3] if len(sys.argv) > 3 else None
out = open(requests_path, "a", encoding="utf-8")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body go in two writes: without this, Nagle holds the body back until the
        # client's delayed ACK (40 ms a request on a kept-alive connection).
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        status = 200
        if status_path and os.path.exists(status_path):
            with open(status_path) as f:
                answer = f.read().strip() or "200"
            if answer == "hang":
                time.sleep(3600)
            status = int(answer)
        if status == 200:
            record = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                      "body": body.decode("utf-8")}
            out.write(json.dumps(record) + "\n")
            out.flush()
        reply = b"{}"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", port), Handler)
if len(sys.argv) > 5:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[4], sys.argv[5])
    server.socket = context.wrap_socket(server.socket, server_side=True)
print("listening", flush=True)
server.serve_forever()
