#!/usr/bin/env python3
"""A player whose socket takes a write only in pieces still gets a well-formed stream.

On loopback a socket's send buffer grows to megabytes, so a player's writes are
nearly always taken whole. The test therefore runs in a network namespace of its
own (unshare --net; needs root, else it is skipped saying why) whose TCP send
buffers stop at 32 kB: there the server's writes of a merge window (~30 kB at this
rate) and of a catch-up (up to 64 messages) are taken a part at a time, often in
the middle of a message, and the rest is written when the socket has room.

ffmpeg publishes 720p30 at ~2.5 Mbit/s (-re, keyframe every second). A raw player
with a 4 kB receive buffer plays it in bursts: it reads at full speed for a
second, then not at all for one and a half. Every
byte it receives is parsed strictly: each message has a known type and the FLV
header of its kind (H.264 video, AAC audio), and video timestamps never go back.
A write resumed at the wrong byte shows up as a message that fails these checks
within the first pause (a server that resumed at the start of a partly written
message failed at once). Skip-ahead (the player falls behind) drops whole
messages and is allowed; the player must still be playing at the end.
"""

import os
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402
import rtmp_raw as r  # noqa: E402

DURATION = 25
FPS = 30
READ_SECONDS = 1.0
PAUSE_SECONDS = 1.5
SEND_BUFFER_MAX = 32768
INNER = "RTMP_TEST_PARTIAL_WRITES_NETNS"  # set inside the namespace
KNOWN_TYPES = {1, 2, 3, 4, 5, 6, 8, 9, 18, 20}


def check_message(t, payload, bad):
    if t not in KNOWN_TYPES:
        bad.append(f"message type {t}")
    elif t == 9 and payload and (payload[0] & 0x0F != 7 or payload[0] >> 4 not in (1, 2)):
        bad.append(f"video tag header {payload[0]:#x}")
    elif t == 8 and payload and payload[0] >> 4 != 10:
        bad.append(f"audio tag header {payload[0]:#x}")


def in_namespace():
    """Runs this script again in a network namespace with small send buffers."""
    if os.geteuid() != 0:
        h.skip("needs root for a network namespace of its own (unshare --net); CI runs as root")
    for tool in ("unshare", "ip", "sysctl"):
        if not shutil.which(tool):
            h.skip(f"{tool} not found")
    setup = (f'ip link set lo up && sysctl -q -w net.ipv4.tcp_wmem="4096 16384 {SEND_BUFFER_MAX}" '
             '&& exec "$0" -u "$1"')
    r = subprocess.run(["unshare", "--net", "--", "sh", "-c", setup, sys.executable,
                        os.path.abspath(__file__)], env={**os.environ, INNER: "1"}, timeout=200)
    if r.returncode == 77:
        h.skip("skipped inside the namespace (see above)")
    h.check(r.returncode == 0, f"the test inside the namespace exited {r.returncode}")


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip("rtmp-ingest only")
    if os.environ.get(INNER) != "1":
        return in_namespace()
    with open("/proc/sys/net/ipv4/tcp_wmem") as f:
        h.log(f"net.ipv4.tcp_wmem here: {f.read().strip()}")
    ingest = h.Ingest(ctx, stdio_events=False)
    url = ingest.url("pieces")
    pub = h.Publisher(ctx, url, duration=DURATION, gop=FPS, vbitrate="2500k")
    pub.wait_frames(FPS, 60)

    c = r.raw_player(ingest.port, "pieces", rcvbuf=4096)
    h.log(f"player {c.addr} reading in bursts of {READ_SECONDS} s, pausing {PAUSE_SECONDS} s")

    bad, video, audio, pauses = [], [], 0, 0
    last_video_ts = None
    c.sock.settimeout(0.2)
    eof = False
    while pub.proc.running() and not eof and len(bad) < 5:
        burst_end = time.monotonic() + READ_SECONDS
        while time.monotonic() < burst_end:
            try:
                d = c.sock.recv(65536)
            except socket.timeout:
                continue
            if not d:
                eof = True
                break
            for t, _sid, payload, ts in c.parser.feed(d):
                check_message(t, payload, bad)
                if t == 9:
                    if last_video_ts is not None and ts < last_video_ts:
                        bad.append(f"video timestamp {ts} after {last_video_ts}")
                    last_video_ts = ts
                    video.append(ts)
                elif t == 8:
                    audio += 1
        time.sleep(PAUSE_SECONDS)
        pauses += 1
    h.log(f"{pauses} pauses; {len(video)} video and {audio} audio messages; "
          f"{len(c.parser.buf)} bytes unparsed")
    h.check(not bad, f"malformed stream after partial writes: {bad[:5]}")
    h.check(not eof, "the server closed the player")
    h.check(pauses >= 5, f"only {pauses} pauses (publisher ended early?)")
    h.check(len(video) >= FPS * 3, f"only {len(video)} video messages reached the player")
    h.check(audio > 0, "no audio reached the player")
    code = pub.wait(30)
    h.check(code == 0, f"publisher exit status {code}; see {pub.proc.stderr_path}")
    c.close()
    r.check_sanitizer_clean(ctx)


if __name__ == "__main__":
    h.run(main)
