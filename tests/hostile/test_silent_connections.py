#!/usr/bin/env python3
"""1,000 TCP connections that send nothing.

rtmp-ingest runs with -handshake-timeout 3s. The test opens 1,000 connections that never
send a byte; during that, a real ffmpeg publish starts ("publish started" logged) in under
1 s from launching ffmpeg (the same launch without silent connections is printed as the
baseline). Every silent socket then sees the server close it at the handshake timeout
(EOF between 3 s and 3 s + SLACK after its connect), and the ingest logs exactly 1,000
"closing: handshake timeout" lines for them.
"""

import os
import resource
import selectors
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402
import rtmp_raw as r  # noqa: E402

SILENT = 1000
HANDSHAKE_TIMEOUT = 3.0
SLACK = r.bound(3.0)  # the server checks its deadline on a timer tick; a loaded machine is slow
START_BOUND = r.bound(1.0)


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(max(n, soft), hard) if hard != resource.RLIM_INFINITY else max(n, soft)
    if want < n:
        h.skip(f"RLIMIT_NOFILE hard limit {hard} < {n}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))  # the ingest inherits it
    h.log(f"RLIMIT_NOFILE {soft} -> {want}")


def publish_start_time(ctx, ingest, key):
    """Seconds from launching ffmpeg to the ingest's "publish started" for key."""
    t0 = time.monotonic()
    pub = h.Publisher(ctx, ingest.url(key), name=f"pub-{key}", duration=4, size="640x360")

    def started():
        return any(l.get("msg") == "publish started" and l.get("stream_key") == f"live/{key}"
                   for l in r.log_lines(ingest))
    h.wait_for(started, 30, f"publish started for {key}", interval=0.01)
    return time.monotonic() - t0, pub


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip("rtmp-ingest only")
    raise_nofile(SILENT + 512)
    ingest = h.Ingest(ctx, args=["-handshake-timeout", "3s"], stdio_events=False)

    # Baseline: the same publish with no silent connections.
    base, pub0 = publish_start_time(ctx, ingest, "baseline")
    h.log(f"baseline: publish started {base * 1000:.0f} ms after launching ffmpeg")
    pub0.wait(60)

    socks, opened = [], {}
    t_open = time.monotonic()
    for _ in range(SILENT):
        s = socket.create_connection(("127.0.0.1", ingest.port), timeout=10)
        s.setblocking(False)
        socks.append(s)
        opened[s] = time.monotonic()
    h.log(f"{SILENT} silent connections open in {time.monotonic() - t_open:.2f} s")
    addrs = {"%s:%d" % s.getsockname() for s in socks}

    took, pub = publish_start_time(ctx, ingest, "during")
    h.log(f"with {SILENT} silent connections: publish started {took * 1000:.0f} ms after "
          f"launching ffmpeg (baseline {base * 1000:.0f} ms)")
    h.check(took < START_BOUND, f"publish took {took:.2f} s to start, want < {START_BOUND} s")

    # Every silent socket: EOF from the server at the handshake timeout.
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    closed_after = {}
    deadline = t_open + HANDSHAKE_TIMEOUT + SLACK + (time.monotonic() - t_open) + 10
    while len(closed_after) < len(socks) and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.5):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except (ConnectionResetError, BlockingIOError):
                data = b"" if not isinstance(sys.exc_info()[1], BlockingIOError) else None
            if data is None:
                continue
            h.check(not data, f"a silent connection received {len(data)} bytes")
            closed_after[s] = time.monotonic() - opened[s]
            sel.unregister(s)
    h.check(len(closed_after) == SILENT,
            f"{SILENT - len(closed_after)} of {SILENT} silent connections were not closed")
    ages = sorted(closed_after.values())
    h.log(f"silent connections closed after {ages[0]:.2f} .. {ages[-1]:.2f} s "
          f"(median {ages[len(ages) // 2]:.2f} s; handshake timeout {HANDSHAKE_TIMEOUT} s)")
    h.check(ages[0] >= HANDSHAKE_TIMEOUT - 0.1,
            f"a silent connection was closed after {ages[0]:.2f} s, before the timeout")
    h.check(ages[-1] <= HANDSHAKE_TIMEOUT + SLACK,
            f"a silent connection was closed only after {ages[-1]:.2f} s")
    for s in socks:
        s.close()

    # By address, and without a stream key: loopback may hand a silent socket
    # the port a publisher's closed connection had a moment before (TIME_WAIT
    # reuse), and that publisher's closing line names its stream.
    def timeout_lines():
        return [l for l in r.log_lines(ingest) if l.get("remote_addr") in addrs
                and not l.get("stream_key") and str(l.get("msg", "")).startswith("closing:")]
    lines = h.wait_for(lambda: len(timeout_lines()) >= SILENT and timeout_lines(), 20,
                       f"{SILENT} closing lines")
    reasons = {l["msg"] for l in lines}
    h.log(f"{len(lines)} closing lines for the silent connections: {reasons}")
    h.check(len(lines) == SILENT, f"{len(lines)} closing lines, want {SILENT}")
    h.check(reasons == {"closing: handshake timeout"}, f"closing reasons {reasons}")

    code = pub.wait(60)
    h.check(code == 0, f"publisher during the silent connections exited {code}")
    ingest.stop()
    r.check_sanitizer_clean(ctx)


if __name__ == "__main__":
    h.run(main)
