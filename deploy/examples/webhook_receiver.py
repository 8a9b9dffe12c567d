#!/usr/bin/env python3
"""Example webhook receiver for rtmp-dispatcher (Python 3 stdlib only).

Prints one line per event. When WEBHOOK_SECRET is set (the same value as the
dispatcher's -webhook-secret / RTMP_DISPATCHER_WEBHOOK_SECRET), verifies the
Standard Webhooks v1 signature and answers 401 to a request that fails it.
Duplicates (the same webhook-id / event id, e.g. after a retry) are answered
2xx and not printed twice: use the id as an idempotency key.

  PORT=8080 WEBHOOK_SECRET=whsec_... python3 webhook_receiver.py
"""
import base64
import collections
import hashlib
import hmac
import http.server
import json
import os
import sys
import threading
import time

PORT = int(os.environ.get("PORT", "8080"))
SECRET = os.environ.get("WEBHOOK_SECRET", "")
TOLERANCE_S = 300  # reject signatures older or newer than this (replays)


def secret_key(secret):
    if secret.startswith("whsec_"):
        return base64.b64decode(secret[len("whsec_"):])
    return secret.encode()


def verify(headers, body):
    """Standard Webhooks v1: base64(HMAC-SHA256(key, id.timestamp.body))."""
    msg_id = headers.get("webhook-id")
    ts = headers.get("webhook-timestamp")
    sigs = headers.get("webhook-signature")
    if not (msg_id and ts and sigs):
        return "missing webhook-* headers"
    try:
        if abs(time.time() - int(ts)) > TOLERANCE_S:
            return "timestamp outside tolerance"
    except ValueError:
        return "bad timestamp"
    signed = f"{msg_id}.{ts}.".encode() + body
    expected = base64.b64encode(hmac.new(secret_key(SECRET), signed, hashlib.sha256).digest())
    for sig in sigs.split(" "):
        version, _, value = sig.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), expected):
            return None
    return "signature mismatch"


seen = collections.OrderedDict()  # recent event ids (idempotency)
seen_lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # the dispatcher keeps connections alive

    def log_message(self, *args):
        pass

    def reply(self, status, text=""):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.reply(200, "ok\n")  # health check

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if SECRET:
            problem = verify(self.headers, body)
            if problem:
                print(f"REJECTED {self.path}: {problem}", file=sys.stderr, flush=True)
                return self.reply(401, problem)
        try:
            event = json.loads(body)
        except json.JSONDecodeError:
            return self.reply(400, "not JSON")
        with seen_lock:
            if event.get("id") in seen:
                return self.reply(200, "duplicate")
            seen[event.get("id")] = True
            while len(seen) > 100000:
                seen.popitem(last=False)
        data = " ".join(f"{k}={v}" for k, v in sorted(event.get("data", {}).items()))
        print(f"{event.get('type')} seq={event.get('seq')} id={event.get('id')} "
              f"conn={event.get('conn_id')} key={event.get('stream_key')!r} {data}",
              flush=True)
        self.reply(204)


def main():
    server = http.server.ThreadingHTTPServer(("0.0.0.0", PORT), Handler)
    server.daemon_threads = True
    print(f"webhook receiver on :{PORT}, signatures "
          f"{'verified' if SECRET else 'NOT verified (WEBHOOK_SECRET unset)'}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
