#!/usr/bin/env python3
"""A relay's writes to its target are merged like a player's (-merge-write).

ffmpeg publishes 640x360 30 fps H.264 + 48 kHz AAC (about 77 messages a second)
to A, which relays it to B (a second rtmp-ingest). Over a window once the relay
is live, the TCP segments A's relay socket sent (`ss -ti`: data_segs_out, or
segs_out on kernels without it) come to far fewer than the messages: at most
MAX_WRITES_PER_S a second with the default 100 ms window, where one write per
message gave ~77. B's player still gets the stream whole, to its last video
frame (the batch waiting in the window when the source ends is written before
the unpublish).
"""

import os
import re
import subprocess
import time

import relay_util as u
from relay_util import h

SECONDS = 20
WINDOW_S = 6  # measured, starting a little after relay_start
MAX_WRITES_PER_S = 35


def segments_out(pid, port):
    """Segments sent by process `pid`'s socket to 127.0.0.1:`port`, or None when it
    has none (B's own player connects to that port too: the pid tells them apart)."""
    out = subprocess.run(["ss", "-tinpH", "state", "established", "dst", f"127.0.0.1:{port}"],
                         capture_output=True, text=True, timeout=10).stdout
    # One socket per line pair: addresses and users:(...), then the tcp_info line.
    for block in re.split(r"\n(?=\S)", out):
        if f"pid={pid}," in block:
            m = re.search(r"\bdata_segs_out:(\d+)", block) or re.search(r"\bsegs_out:(\d+)", block)
            return int(m.group(1)) if m else None
    return None


def main(ctx):
    b = h.Ingest(ctx, name="b")
    player_out = ctx.path("b_player.flv")
    player = h.ffmpeg_player(ctx, b.url("cam"), "b_player.flv")
    h.wait_ffmpeg_play_sent(player)

    a = h.Ingest(ctx, name="a", args=["-relay-to", f"rtmp://127.0.0.1:{b.port}/live"])
    pub = h.Publisher(ctx, a.url("cam"), duration=SECONDS, gop=30, size="640x360")
    u.wait_relay_events(a, "relay_start", 1, 30)
    # Past the GOP the relay starts with, into the steady state.
    h.wait_for(lambda: segments_out(a.proc.pid, b.port), 10, "A's relay socket in ss")
    time.sleep(2)  # fixed spacing of the two samples: the rate is over a known time
    first = segments_out(a.proc.pid, b.port)
    t0 = time.monotonic()
    time.sleep(WINDOW_S)  # the window the segments are counted over
    last = segments_out(a.proc.pid, b.port)
    elapsed = time.monotonic() - t0
    h.check(first is not None and last is not None, "A's relay socket went away while measured")
    rate = (last - first) / elapsed
    h.log(f"A's relay socket: {last - first} segments in {elapsed:.1f} s = {rate:.1f}/s")
    h.check(rate <= MAX_WRITES_PER_S,
            f"the relay sent {rate:.1f} segments a second (at most {MAX_WRITES_PER_S} expected "
            f"with merged writes; one per message is ~77)")

    code = pub.wait(SECONDS + 60)
    h.check(code == 0, f"publisher exit status {code}; see {pub.proc.stderr_path}")
    sent = pub.packets_muxed()
    u.wait_relay_events(a, "relay_stop", 1, 30)
    h.stop_player(player, player_out)
    sent_video = sent.get("video", pub.frames())
    counts = h.check_recording(player_out, "player on B", sent_video, sent.get("audio"), 0.95)
    # The relay starts at the stream's first keyframe, and its last batch (the
    # merge window's) is written before the unpublish: every video frame.
    h.check(counts.get("video") == sent_video,
            f"player on B: {counts.get('video')} video frames, the publisher sent {sent_video}")
    a.stop()
    b.stop()


if __name__ == "__main__":
    h.run(main)
