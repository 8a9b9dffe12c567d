#!/usr/bin/env python3
"""A client that resets its connection at once still has its address in the events.

Twenty clients connect and reset (SO_LINGER 0) before sending a byte, so the
server may find the socket already reset when it looks at it. Each one's
connection_accept must carry remote_addr = "127.0.0.1:<the client's port>",
not a placeholder, and each connection its connection_close."""

import os
import socket
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402

CLIENTS = 20


def main(ctx):
    ingest = h.Ingest(ctx)
    ports = set()
    for _ in range(CLIENTS):
        s = socket.create_connection(("127.0.0.1", ingest.port), timeout=10)
        ports.add(s.getsockname()[1])
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()  # RST
    want = {f"127.0.0.1:{p}" for p in ports}

    def accepts():
        return [e for e in ingest.events() if e["type"] == "connection_accept"]
    h.wait_for(lambda: len(accepts()) >= CLIENTS, 30, f"{CLIENTS} connection_accept events")
    h.wait_for(lambda: len([e for e in ingest.events() if e["type"] == "connection_close"])
               >= CLIENTS, 30, f"{CLIENTS} connection_close events")
    got = {e["data"].get("remote_addr") for e in accepts()}
    h.check(got == want, f"connection_accept remote_addr {sorted(got - want)[:5]} not among the "
            f"clients' addresses (missing {len(want - got)})")
    h.log(f"{CLIENTS} reset clients, each named by its address")
    ingest.stop()


if __name__ == "__main__":
    h.run(main)
