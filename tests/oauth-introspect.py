#!/usr/bin/env python3
"""A tiny OAuth2 token introspection endpoint (RFC 7662) for the tests'
Dovecot: the token "good-token-123" is the active token of user anna.
Prints the port it listens on, then serves until killed."""
import http.server
import json
import urllib.parse


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        form = urllib.parse.parse_qs(self.rfile.read(n).decode())
        active = form.get("token", [""])[0] == "good-token-123"
        body = json.dumps({"active": True, "username": "anna"} if active
                          else {"active": False}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
