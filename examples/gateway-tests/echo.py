#!/usr/bin/env python3
"""A site for trying a gateway: answers every request on 127.0.0.1:PORT with the
X-Engage-* headers it received, one per line (the tests' upstream, harness.Upstream,
answers with JSON instead). Usage: echo.py PORT"""
import http.server
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        lines = ["%s: %s\n" % (k, v) for k, v in self.headers.items() if k.lower().startswith("x-engage-")]
        body = "".join(sorted(lines)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
