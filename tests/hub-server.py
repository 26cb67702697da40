#!/usr/bin/env python3
"""A small knowledge hub for the tests (http.server, threads).

It listens on 127.0.0.1 (--port, 0: a free one), prints the port on
stdout, stores each POST as DIR/NNNN.json (the body as received) and
DIR/NNNN.headers ("Name: value" lines, the request line first), and
answers with the next response of the sequence:

  --responses 201,409,429:2,500,400,hang

  200, 201   {"id": "hub-NNNN"}
  409        {"error": "already stored", "id": "hub-0001"}
  429:N      Retry-After: N (seconds); 429:@N an HTTP date N seconds ahead
             (the same for 503:N, 408:N, ...)
  400        {"error": "title missing"}
  other      {"error": "status N"}
  hang       no answer for a minute
  garbage    201 with a body that is not JSON

When --cue FILE exists and is not empty, its first word is taken (and
removed) before the sequence; after the sequence, 201.  --tls CERT KEY
serves HTTPS.  --token T answers 401 to another bearer token.
"""

import argparse
import email.utils
import json
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"seq": 0, "responses": []}
ARGS = None


def next_response():
    with LOCK:
        STATE["seq"] += 1
        seq = STATE["seq"]
        if ARGS.cue and os.path.exists(ARGS.cue):
            with open(ARGS.cue) as f:
                words = f.read().split()
            if words:
                with open(ARGS.cue, "w") as f:
                    f.write(" ".join(words[1:]))
                return seq, words[0]
        if STATE["responses"]:
            return seq, STATE["responses"].pop(0)
        return seq, "201"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, body, extra=None):
        data = json.dumps(body).encode() if not isinstance(body, bytes) \
            else body
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        seq, spec = next_response()
        base = os.path.join(ARGS.dir, "%04d" % seq)
        with open(base + ".headers", "w") as f:
            f.write("%s %s\n" % (self.command, self.path))
            for k, v in self.headers.items():
                f.write("%s: %s\n" % (k, v))
        with open(base + ".json", "wb") as f:
            f.write(body)
        if ARGS.token and self.headers.get("Authorization") != \
                "Bearer " + ARGS.token:
            self.answer(401, {"error": "bad token"})
            return
        if spec == "hang":
            time.sleep(60)
            return
        if spec == "garbage":
            self.answer(201, b"<html>stored</html>")
            return
        status, _, retry = spec.partition(":")
        status = int(status)
        extra = {}
        if retry.startswith("@"):
            extra["Retry-After"] = email.utils.formatdate(
                time.time() + int(retry[1:]), usegmt=True)
        elif retry:
            extra["Retry-After"] = retry
        if status in (200, 201):
            self.answer(status, {"id": "hub-%04d" % seq})
        elif status == 409:
            self.answer(status, {"error": "already stored",
                                 "id": "hub-0001"})
        elif status == 400:
            self.answer(status, {"error": "title missing"})
        else:
            self.answer(status, {"error": "status %d" % status}, extra)

    def do_GET(self):
        self.answer(405, {"error": "POST only"})


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--responses", default="")
    p.add_argument("--cue")
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--token")
    ARGS = p.parse_args()
    os.makedirs(ARGS.dir, exist_ok=True)
    STATE["responses"] = [r for r in ARGS.responses.split(",") if r]
    srv = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    srv.daemon_threads = True
    if ARGS.tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(ARGS.tls[0], ARGS.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print(srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
