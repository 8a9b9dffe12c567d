#!/usr/bin/env python3
"""Live-event clients cannot lock the API out.

192 clients hold /api/v1/events open (each has read its response header).
The next one gets 503 with a JSON error, and plain requests (GET
/api/v1/streams) and the metrics still answer 200 meanwhile. Once the
clients leave, a new live-event client is served again."""

import json

from api_util import h
import api_util as u

CLIENTS = 192


def main(ctx):
    ingest = h.Ingest(ctx, args=["-api-addr", "127.0.0.1:0"])
    port = u.api_port_from_log(ingest)
    held = []
    try:
        for i in range(CLIENTS):
            s, head = u.open_events(port)
            held.append(s)
            h.check(head.startswith("HTTP/1.1 200"), f"client {i + 1}: {head[:80]!r}")
        s, head = u.open_events(port)
        held.append(s)
        h.check(head.startswith("HTTP/1.1 503"), f"client {CLIENTS + 1}: {head[:80]!r}")
        body = head.split("\r\n\r\n", 1)[1] if "\r\n\r\n" in head else ""
        while True:  # the rest of the JSON body, then the close
            chunk = s.recv(4096)
            if not chunk:
                break
            body += chunk.decode()
        h.check("too many live-event clients" in json.loads(body).get("error", ""),
                f"503 body {body!r}")
        st, doc, _ = u.request(port, "GET", "/api/v1/streams")
        h.check(st == 200 and doc.get("streams") == [], f"streams with {CLIENTS} clients: {st}")
    finally:
        for s in held:
            s.close()
    h.wait_for(lambda: u.open_events(port)[1].startswith("HTTP/1.1 200"), 30,
               "a live-event client served once the others left")
    h.log(f"{CLIENTS} live-event clients held, the next refused with 503, requests served")
    ingest.stop()


if __name__ == "__main__":
    h.run(main)
