#!/usr/bin/env python3
"""IPv6: -listen :PORT serves IPv6 and IPv4 alike (one dual-stack socket, as
Go's ":port" does), and addresses are written so the port never runs into them.

- An IPv6 client (::1) is reported as "[::1]:<its port>" in connection_accept.
- An IPv4 client of the same dual-stack listener is "127.0.0.1:<its port>",
  never "::ffff:127.0.0.1:…".
- -listen [::1]:PORT serves IPv6 alone, with the same form.
- The events reach an external rtmp-dispatcher over IPv6 alone:
  -events-bind tcp://[::1]:P and -events-connect tcp://[::1]:P.
  (Seen failing before ZeroMQ's IPv6 option was set for IPv6 literals: the
  ingest exited 2, "cannot bind tcp://[::1]:P: No such device".)
Each client does a plain RTMP handshake and closes; its own local port must be
the one in the event. Skipped where the host has no IPv6 loopback.
"""

import socket
import struct
import os

import harness as h


def handshake(family, addr, port):
    """Plain handshake from a fresh socket; returns the client's own port."""
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(60)
        try:
            s.connect((addr, port))
        except OSError as e:
            h.fail(f"connect to {addr} port {port}: {e}")
        local_port = s.getsockname()[1]
        s.sendall(b"\x03" + struct.pack(">II", 0, 0) + os.urandom(1528))
        need, buf = 1 + 1536 + 1536, b""
        while len(buf) < need:
            chunk = s.recv(need - len(buf))
            h.check(chunk, f"server closed after {len(buf)} handshake bytes")
            buf += chunk
        s.sendall(buf[1:1537])
    return local_port


def accepted(server, remote):
    def find():
        return [e for e in server.events() if e["type"] == "connection_accept"
                and e["data"].get("remote_addr") == remote]
    return h.wait_for(find, 30, f"connection_accept with remote_addr {remote}")


def have_ipv6():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip(f"rtmp-ingest's own events; nothing to check on {h.server_kind()}")
    if not have_ipv6():
        h.skip("no IPv6 loopback on this host")

    port = h.free_port()
    dual = h.Ingest(ctx, name="dual", port=port, args=["-listen", f":{port}"])
    p6 = handshake(socket.AF_INET6, "::1", port)
    accepted(dual, f"[::1]:{p6}")
    p4 = handshake(socket.AF_INET, "127.0.0.1", port)
    accepted(dual, f"127.0.0.1:{p4}")
    bad = [e["data"]["remote_addr"] for e in dual.events()
           if e["type"] == "connection_accept" and "ffff" in e["data"].get("remote_addr", "")]
    h.check(not bad, f"IPv4-mapped addresses reported: {bad}")
    dual.stop()
    h.log(f"-listen :{port}: [::1]:{p6} and 127.0.0.1:{p4}")

    port = h.free_port()
    v6 = h.Ingest(ctx, name="v6", port=port, args=["-listen", f"[::1]:{port}"])
    p6 = handshake(socket.AF_INET6, "::1", port)
    accepted(v6, f"[::1]:{p6}")
    v6.stop()
    h.log(f"-listen [::1]:{port}: [::1]:{p6}")

    port, events = h.free_port(), h.free_port()
    endpoint = f"tcp://[::1]:{events}"
    v6 = h.Ingest(ctx, name="v6events", port=port, stdio_events=False,
                  args=["-listen", f"[::1]:{port}", "-events-bind", endpoint])
    dispatcher = ctx.proc("dispatcher", [dispatcher_binary(), "-events-connect", endpoint,
                                         "-hook-stdio-format", "json", "-log-level", "debug"])
    p6 = handshake(socket.AF_INET6, "::1", port)

    def delivered():
        return [e for e in h.read_events(dispatcher.stderr_path)
                if e["type"] == "connection_accept" and e["data"].get("remote_addr") == f"[::1]:{p6}"]
    h.wait_for(delivered, 60, f"connection_accept of [::1]:{p6} through {endpoint}")
    dispatcher.stop()
    v6.stop()
    h.log(f"-events-bind/-events-connect {endpoint}: delivered")


def dispatcher_binary():
    path = os.environ.get("DISPATCHER_BIN") or os.path.join(
        os.path.dirname(h.ingest_binary()), "rtmp-dispatcher")
    h.check(os.access(path, os.X_OK), f"rtmp-dispatcher not found at {path}")
    return path


if __name__ == "__main__":
    h.run(main)
