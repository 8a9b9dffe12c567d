#!/usr/bin/env python3
"""Clients that trickle bytes are closed at -handshake-timeout from accept, however
steadily they send, while a real publish goes on undisturbed.

rtmp-ingest runs with -handshake-timeout 3s while ffmpeg publishes 640x360 at 30 fps.
Raw sockets then send one byte every 0.25 s: TRICKLE_CONNECT of them after a prompt
handshake (their connect would take ~30 s to arrive), TRICKLE_HANDSHAKE of them inside
the handshake itself. Every one must see EOF between 3 s and 3 s + SLACK after its TCP
connect, with exactly one "closing:" log line naming it ("connect timeout" /
"handshake timeout"). Meanwhile the publisher keeps >= 90 % of its 30 fps over the
10 s from the first trickler, and its publish_stop counts >= 95 % of the frames it sent. (Checked
to fail against the server whose deadline ended at the handshake: the connect
tricklers were still open after 3 s + SLACK.)
"""

import os
import selectors
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402
import rtmp_raw as r  # noqa: E402

TIMEOUT = 3.0
SLACK = r.bound(3.0)  # the deadline is checked on a timer tick; a loaded machine is slow
TRICKLE_CONNECT = 10
TRICKLE_HANDSHAKE = 5
INTERVAL = 0.25
FPS = 30
WINDOW = 10.0  # s from the first trickler over which the publisher's rate is measured


class Trickler:
    def __init__(self, port, handshake_first):
        self.kind = "connect" if handshake_first else "handshake"
        self.client = r.RawClient(port)
        self.opened = time.monotonic()
        if handshake_first:
            self.client.handshake()
            self.data = r.command_msg("connect", 1, r.CONNECT_OBJ)
        else:
            self.data = b"\x03" + os.urandom(1536)
        self.sent = 0
        self.closed_after = None
        self.client.sock.setblocking(False)

    def step(self):
        """Send the next byte; False once the server closed the connection."""
        if self.sent < len(self.data):
            try:
                self.client.sock.send(self.data[self.sent:self.sent + 1])
                self.sent += 1
            except (BrokenPipeError, ConnectionResetError):
                return self.eof()
            except BlockingIOError:
                pass
        return True

    def readable(self):
        try:
            d = self.client.sock.recv(65536)
        except BlockingIOError:
            return True
        except ConnectionResetError:
            d = b""
        h.check(not d, f"{self.kind} trickler {self.client.addr} received {len(d)} bytes")
        return self.eof()

    def eof(self):
        if self.closed_after is None:
            self.closed_after = time.monotonic() - self.opened
        return False


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip("rtmp-ingest only")
    ingest = h.Ingest(ctx, args=["-handshake-timeout", "3s"])
    pub = h.Publisher(ctx, ingest.url("steady"), duration=0, size="640x360", fps=FPS)
    pub.wait_frames(2 * FPS, 60)

    t_start, f_start = time.monotonic(), pub.frames()
    tricklers = [Trickler(ingest.port, True) for _ in range(TRICKLE_CONNECT)]
    tricklers += [Trickler(ingest.port, False) for _ in range(TRICKLE_HANDSHAKE)]
    sel = selectors.DefaultSelector()
    for t in tricklers:
        sel.register(t.client.sock, selectors.EVENT_READ, t)
    open_ = set(tricklers)
    deadline = time.monotonic() + TIMEOUT + SLACK + 2
    while open_ and time.monotonic() < deadline:
        for t in list(open_):
            if not t.step():
                open_.discard(t)
                sel.unregister(t.client.sock)
        for key, _ in sel.select(timeout=INTERVAL):
            t = key.data
            if t in open_ and not t.readable():
                open_.discard(t)
                sel.unregister(t.client.sock)
    t_closed = time.monotonic()
    # The publisher's rate over a window around the trickling: ffmpeg updates its
    # -progress count every 0.5 s, so a short window would measure that instead.
    while time.monotonic() < t_start + WINDOW:
        time.sleep(0.1)
    t_end, f_end = time.monotonic(), pub.frames()
    for t in open_:
        h.log(f"{t.kind} trickler {t.client.addr}: still open after {t_closed - t.opened:.1f} s, "
              f"{t.sent} of {len(t.data)} bytes sent")
    h.check(not open_, f"{len(open_)} trickling connections were not closed within "
            f"{TIMEOUT + SLACK:.0f} s")
    for kind in ("connect", "handshake"):
        ages = sorted(t.closed_after for t in tricklers if t.kind == kind)
        h.log(f"{kind} tricklers closed after {ages[0]:.2f} .. {ages[-1]:.2f} s "
              f"(-handshake-timeout {TIMEOUT} s)")
        h.check(ages[0] >= TIMEOUT - 0.1, f"a {kind} trickler was closed after {ages[0]:.2f} s")
        h.check(ages[-1] <= TIMEOUT + SLACK, f"a {kind} trickler was closed after {ages[-1]:.2f} s")

    rate = (f_end - f_start) / (t_end - t_start)
    h.log(f"publisher over {WINDOW} s from the first trickler: {f_end - f_start} frames in "
          f"{t_end - t_start:.1f} s = {rate:.1f} fps")
    h.check(rate >= 0.9 * FPS, f"publisher rate {rate:.1f} fps during the trickling, want "
            f">= {0.9 * FPS:.0f}")

    for t in tricklers:
        line = r.wait_closing_line(ingest, t.client.addr)
        want = "closing: connect timeout" if t.kind == "connect" else "closing: handshake timeout"
        h.check(line["msg"].startswith(want), f"{t.client.addr}: {line['msg']!r}, want {want!r}")
        n = len(r.closing_lines(ingest, t.client.addr))
        h.check(n == 1, f"{t.client.addr}: {n} closing lines")
        t.client.close()
    h.log(f"one closing line per trickler, e.g. {line['msg']!r}")

    sent = pub.frames()
    code = pub.quit()
    h.check(code == 0, f"publisher exit status {code}; see {pub.proc.stderr_path}")
    stop = h.wait_for(lambda: [e for e in ingest.events() if e.get("type") == "publish_stop"],
                      30, "publish_stop")[0]
    got = stop["data"].get("video_packets", 0)
    sent = max(sent, pub.frames())
    h.log(f"publish_stop: {got} video packets of {sent} frames sent")
    h.check(got >= 0.95 * sent, f"publish_stop counts {got} video packets of {sent} sent")
    ingest.stop()
    r.check_sanitizer_clean(ctx)


if __name__ == "__main__":
    h.run(main)
