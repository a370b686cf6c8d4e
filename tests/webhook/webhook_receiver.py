#!/usr/bin/env python3
"""A webhook receiver for the sender tests: verifies every request's Standard Webhooks signature
on its own (hmac/hashlib/base64, not our code), records it, and answers as the path says.

Usage: webhook_receiver.py SECRET LOGFILE. Prints "PORT <n>" on stdout once listening on
127.0.0.1 (ephemeral port). Each request is appended to LOGFILE as one JSON line BEFORE the answer
is sent, so a test can read it as soon as its request returns.

Paths: /status/<code>[?location=URL][&retry_after=VALUE] answers <code> (with Location /
Retry-After when given) and a short text body; /hang reads the request and never answers (the
test kills the process); /big answers 200 with a 1 MiB body.
"""
import base64
import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

TOLERANCE_S = 300


def key_of(secret: str) -> bytes:
    secret = secret.strip()
    if secret.startswith("whsec_"):
        encoded = secret[len("whsec_"):]
        encoded += "=" * (-len(encoded) % 4)
        return base64.b64decode(encoded, validate=True)
    return secret.encode("utf-8")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, and answers "Expect: 100-continue"
    server_version = "webhook-receiver"

    def log_message(self, fmt, *args):  # quiet
        pass

    def check(self, body: bytes):
        msg_id = self.headers.get("webhook-id")
        ts = self.headers.get("webhook-timestamp")
        sigs = self.headers.get("webhook-signature")
        if not msg_id or not ts or not sigs:
            return False, "missing header"
        if not ts.isdigit() or abs(time.time() - int(ts)) > TOLERANCE_S:
            return False, "timestamp"
        content = msg_id.encode() + b"." + ts.encode() + b"." + body
        expected = base64.b64encode(
            hmac.new(self.server.key, content, hashlib.sha256).digest()).decode()
        for entry in sigs.split(" "):
            if entry.startswith("v1,") and hmac.compare_digest(entry[3:], expected):
                return True, "ok"
        return False, "signature"

    def do_POST(self):
        self.handle_any()

    def do_GET(self):
        self.handle_any()

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        verified, reason = self.check(body)
        url = urlsplit(self.path)
        record = {
            "method": self.command,
            "path": url.path,
            "content_type": self.headers.get("Content-Type"),
            "user_agent": self.headers.get("User-Agent"),
            "id": self.headers.get("webhook-id"),
            "timestamp": self.headers.get("webhook-timestamp"),
            "signature": self.headers.get("webhook-signature"),
            "traceparent": self.headers.get("traceparent"),
            "transfer_encoding": self.headers.get("Transfer-Encoding"),
            "headers": {name.lower(): value for name, value in self.headers.items()},
            "body_b64": base64.b64encode(body).decode(),
            "verified": verified,
            "reason": reason,
        }
        with self.server.log_lock:
            with open(self.server.log_path, "a", encoding="utf-8") as log:
                log.write(json.dumps(record) + "\n")

        if url.path == "/hang":
            time.sleep(3600)
            return
        status, extra, payload = 200, [], b"ok\n"
        if url.path == "/big":
            payload = b"x" * (1 << 20)
        elif url.path.startswith("/status/"):
            status = int(url.path[len("/status/"):])
            query = parse_qs(url.query)
            if "location" in query:
                extra.append(("Location", query["location"][0]))
            if "retry_after" in query:
                extra.append(("Retry-After", query["retry_after"][0]))
            payload = ("status %d\n" % status).encode()
        self.send_response(status)
        for name, value in extra:
            self.send_header(name, value)
        if status in (204, 304):  # no body allowed
            self.end_headers()
            return
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.key = key_of(sys.argv[1])
    server.log_path = sys.argv[2]
    server.log_lock = threading.Lock()
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
