#!/usr/bin/env python3
"""A player that stops reading.

ffmpeg publishes 720p30 at ~2.5 Mbit/s (-re, keyframe every second) to an ingest run
with -player-queue 64. Three players:
  - "stalled": a raw client that plays and then never reads (SO_RCVBUF 4 kB). Per the
    README's policy it is skipped ahead and, still behind at 3 keyframes in a row,
    disconnected: one "closing: player too slow" line, rtmp_ingest_players_dropped_total.
  - "crawler": a raw client that reads at about a fifth of the stream's rate. It sees
    skip-ahead from the inside: gaps in the video timestamps, and after every gap the
    first video message is a keyframe.
  - a normal ffmpeg player, which keeps >= 95% of the frames sent.
The ingest's RSS is sampled every second (printed) and stays under RSS_BOUND_MB.
"""

import os
import socket
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402
import rtmp_raw as r  # noqa: E402

DURATION = 30
FPS = 30
RSS_BOUND_MB = r.bound(150)
CRAWL_BYTES_PER_SEC = 64 * 1024


class Crawler(threading.Thread):
    """Reads the played stream at a fixed low rate; records (ts, keyframe) of video."""

    def __init__(self, client):
        super().__init__(daemon=True)
        self.c = client
        self.video = []  # (timestamp ms, is keyframe)
        self.eof = False
        self.stop_flag = False
        self.start()

    def run(self):
        step = 4096
        interval = step / CRAWL_BYTES_PER_SEC
        self.c.sock.settimeout(1)
        while not self.stop_flag:
            try:
                d = self.c.sock.recv(step)
            except socket.timeout:
                continue
            except OSError:
                d = b""
            if not d:
                self.eof = True
                return
            for t, sid, payload, ts in self.c.parser.feed(d):
                if t == 9 and payload:
                    self.video.append((ts, payload[0] >> 4 == 1))
            time.sleep(interval)


def metric(port, name):
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.split()[-1])
    return None


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip("rtmp-ingest only")
    mport = h.free_port()
    ingest = h.Ingest(ctx, args=["-player-queue", "64", "-metrics-addr", f"127.0.0.1:{mport}"],
                      stdio_events=False)
    rss = r.RssSampler(ingest.proc.pid)
    url = ingest.url("fast")

    player = h.ffmpeg_player(ctx, url, "player.flv")
    h.wait_ffmpeg_play_sent(player)
    pub = h.Publisher(ctx, url, duration=DURATION, gop=FPS, vbitrate="2500k")
    pub.wait_frames(FPS, 60)

    stalled = r.raw_player(ingest.port, "fast", rcvbuf=4096)
    h.log(f"stalled player {stalled.addr} playing; it reads nothing more")
    crawler_client = r.raw_player(ingest.port, "fast", rcvbuf=16384)
    crawler = Crawler(crawler_client)
    h.log(f"crawler player {crawler_client.addr} reading {CRAWL_BYTES_PER_SEC // 1024} kB/s")

    t0 = time.monotonic()
    dropped_at = None
    while pub.proc.running():
        v = rss.sample()
        age = time.monotonic() - t0
        if dropped_at is None and r.closing_lines(ingest, stalled.addr):
            dropped_at = age
            h.log(f"stalled player dropped after {age:.1f} s")
        h.log(f"t={age:4.1f}s ingest RSS {v / 1024:.1f} MB, publisher frames {pub.frames()}")
        time.sleep(1.0)
    code = pub.wait(30)
    h.check(code == 0, f"publisher exit status {code}; see {pub.proc.stderr_path}")
    sent = pub.packets_muxed()
    sent_video = sent.get("video") or pub.frames()
    h.check(sent_video >= DURATION * FPS * 0.95,
            f"publisher sent only {sent_video} frames in {DURATION} s (machine too slow?)")

    # The stalled player: one closing line, "player too slow".
    line = r.wait_closing_line(ingest, stalled.addr, timeout=30)
    h.log(f"stalled player: {line['msg']!r}")
    h.check("player too slow" in line["msg"], f"stalled player closed with {line['msg']!r}")
    h.check(len(r.closing_lines(ingest, stalled.addr)) == 1, "one closing line for the stalled player")
    dropped = metric(mport, "rtmp_ingest_players_dropped_total")
    h.log(f"rtmp_ingest_players_dropped_total {dropped}")
    h.check(dropped is not None and dropped >= 1, f"players_dropped_total {dropped}")
    stalled.close()

    # The crawler saw skip-ahead: gaps in the video timestamps, each ending on a keyframe.
    crawler.stop_flag = True
    crawler.join(10)
    frames = crawler.video
    h.check(frames, "the crawler received no video")
    gap_ms = 3 * 1000 / FPS
    gaps = [(frames[i - 1][0], frames[i][0], frames[i][1]) for i in range(1, len(frames))
            if frames[i][0] - frames[i - 1][0] > gap_ms]
    h.log(f"crawler: {len(frames)} video messages of {sent_video} sent, {len(gaps)} gaps "
          f"(skips), {sum(1 for g in gaps if g[2])} of them ending on a keyframe; "
          f"disconnected={crawler.eof}")
    h.check(frames[0][1], "the crawler's first video message is not a keyframe")
    h.check(gaps, "the crawler was never skipped ahead")
    bad = [g for g in gaps if not g[2]]
    h.check(not bad, f"skips that did not land on a keyframe (from ms, to ms): {bad[:5]}")
    crawler_client.close()

    h.stop_player(player, ctx.path("player.flv"))
    counts = h.check_recording(ctx.path("player.flv"), "normal player", sent_video,
                               sent.get("audio"))
    h.log(f"normal player kept {counts['video'] / sent_video:.1%} of the video frames")

    peak = rss.peak_mb()
    h.log(f"ingest RSS peak {peak:.1f} MB (bound {RSS_BOUND_MB} MB)")
    h.check(peak < RSS_BOUND_MB, f"ingest RSS peak {peak:.1f} MB >= {RSS_BOUND_MB} MB")
    ingest.stop()
    r.check_sanitizer_clean(ctx)


if __name__ == "__main__":
    h.run(main)
