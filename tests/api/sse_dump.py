#!/usr/bin/env python3
"""Reads one live-event (SSE) response to its end and appends the raw bytes to
a file, flushing after each read.

It runs as its own process so that its reading speed does not depend on the
test process: a reader thread sharing the test's interpreter lock falls behind
while the test floods the server with connections, and the server rightly
drops a reader that falls -api-sse-buffer behind.

While the file PAUSE exists (when one is named) it does not read, and its
receive buffer is small, so the server's backlog for it grows as it would for
a slow client.

usage: sse_dump.py PORT PATH OUTFILE [Last-Event-ID] [token] [PAUSE]"""

import os
import socket
import sys
import time


def main():
    port, path, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    last_id = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else None
    token = sys.argv[5] if len(sys.argv) > 5 and sys.argv[5] else None
    pause = sys.argv[6] if len(sys.argv) > 6 and sys.argv[6] else None
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if pause:
        # A small window: what the reader does not take waits in the server.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port))
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Accept: text/event-stream"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    if last_id:
        lines.append(f"Last-Event-ID: {last_id}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    sock.settimeout(None)
    with open(out, "ab", buffering=0) as f:
        try:
            while True:
                while pause and os.path.exists(pause):
                    time.sleep(0.02)
                chunk = sock.recv(1 << 20)
                if not chunk:
                    break
                f.write(chunk)
        except OSError:
            pass


if __name__ == "__main__":
    main()
