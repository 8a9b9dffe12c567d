#!/usr/bin/env python3
"""H.265 over SRT reaches an Enhanced RTMP player with its sequence header first.

The test makes an MP4 with HEVC (libx265, 320x240, 25 fps, a keyframe every second) and
AAC; ffmpeg sends that file in real time (-re -c copy) as MPEG-TS over SRT with streamid
publish:live/hevc. Two of the tests' own raw RTMP players (tests/hostile/rtmp_raw.py) play
live/hevc: "early" asked before the publisher came, "late" joins once early has 4 s of
video and is served from the GOP cache. For each, the first video message is an Enhanced
RTMP 'hvc1' SequenceStart carrying a Main hvcC, and every later one an 'hvc1' coded frame;
each gets >= 95% of the frames sent while it played. The events say codec_detected H265
320x240 and publish_stop counts the frames.
Length: SRT_HEVC_SECONDS (default 10)."""

import os
import re
import socket
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hostile"))
import harness as h  # noqa: E402
import rtmp_raw as r  # noqa: E402
import srt_util as su  # noqa: E402

SECONDS = int(os.environ.get("SRT_HEVC_SECONDS", "10"))
FPS = 25
KEY = "hevc"


class Player(threading.Thread):
    """A raw RTMP player of live/KEY keeping every video message it gets."""

    def __init__(self, port, name):
        super().__init__(daemon=True)
        self.name = name
        self.c = r.raw_player(port, KEY, what=f"{name}: NetStream.Play.Start")
        self.video = [p for t, _, p, _ in self.c.msgs if t == 9]
        self.stop_flag = False
        self.start()

    def run(self):
        self.c.sock.settimeout(0.5)
        while not self.stop_flag:
            try:
                d = self.c.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            if not d:
                return
            for t, _, payload, _ in self.c.parser.feed(d):
                if t == 9:
                    self.video.append(payload)

    def finish(self):
        self.stop_flag = True
        self.join(10)
        self.c.close()


def check_player(p, sent):
    h.check(p.video, f"{p.name}: no video at all")
    first = p.video[0]
    # ExVideoTagHeader: IsExHeader, FrameType key, PacketType SequenceStart, FourCC hvc1;
    # then the hvcC record: configurationVersion 1, general_profile_idc 1 (Main).
    h.check(len(first) > 28 and first[0] == 0x90 and first[1:5] == b"hvc1",
            f"{p.name}: first video message is not an hvc1 SequenceStart: {first[:8].hex()}")
    h.check(first[5] == 1 and first[6] & 0x1F == 1,
            f"{p.name}: not a Main hvcC record: {first[5:12].hex()}")
    frames = 0
    for m in p.video[1:]:
        h.check(len(m) > 5 and m[0] & 0x80 and m[1:5] == b"hvc1",
                f"{p.name}: not an Enhanced RTMP hvc1 message: {m[:8].hex()}")
        if m[0] & 0x0F in (1, 3):  # CodedFrames, CodedFramesX
            frames += 1
    h.log(f"{p.name}: sequence start first, then {frames} hvc1 frames; {sent} sent meanwhile")
    h.check(frames >= 0.95 * sent, f"{p.name}: {frames} frames, want >= 95% of {sent}")


def main(ctx):
    src = ctx.path("hevc.mp4")
    h.check(ctx.proc("encode", [
        "ffmpeg", "-hide_banner", "-v", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size=320x240:rate={FPS}",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", str(SECONDS),
        "-c:v", "libx265", "-preset", "ultrafast", "-g", str(FPS),
        "-x265-params", "log-level=error", "-c:a", "aac", "-ac", "2", src]).wait_exit(120) == 0,
        "encoding the HEVC source failed")
    sent = SECONDS * FPS

    ingest, srt_port = su.start_ingest(ctx)
    early = Player(ingest.port, "early")

    pub = ctx.proc("srt_publisher", [
        "ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-re", "-i", src, "-c", "copy",
        "-f", "mpegts", f"srt://127.0.0.1:{srt_port}?streamid=publish:live/{KEY}"])
    h.wait_for(lambda: len(early.video) >= 4 * FPS, 60, "the early player to get 4 s of video")
    before_late = len(early.video) - 1
    late = Player(ingest.port, "late")
    h.check(pub.wait_exit(SECONDS * 6 + 60) == 0,
            f"the SRT publisher failed; see {pub.stderr_path}")
    h.wait_for(lambda: any(e.get("type") == "publish_stop" for e in ingest.events()), 30,
               "publish_stop")
    early.finish()
    late.finish()

    check_player(early, sent)
    check_player(late, sent - before_late)

    events = ingest.events()
    codecs = {e["data"].get("media"): e["data"] for e in events if e.get("type") == "codec_detected"}
    v = codecs.get("video", {})
    h.check(v.get("codec") == "H265" and v.get("width") == 320 and v.get("height") == 240,
            f"video codec_detected {v}, want H265 320x240")
    stop = [e for e in events if e.get("type") == "publish_stop"][-1]["data"]
    h.check(stop.get("video_packets", 0) >= 0.95 * sent,
            f"publish_stop video_packets {stop.get('video_packets')}, {sent} sent")
    h.check(re.search(r"publish_start", " ".join(e.get("type", "") for e in events)),
            "no publish_start")
    ingest.stop()


if __name__ == "__main__":
    h.run(main)
