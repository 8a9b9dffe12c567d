#!/usr/bin/env python3
"""A publisher that sends its media before the answer to its publish loses none of it.

Relays (nginx-rtmp's push) and some encoders send onMetaData, the sequence headers
and frames right after `publish`, without waiting for NetStream.Publish.Start. With
an auth callback that answers after 1.5 s, all of that arrives while the publish is
pending. It is held and delivered once the callback allows the publish: a player
already waiting gets the AVC and AAC sequence headers before any frame, both
codec_detected events fire, and publish_stop counts every video frame sent.
"""

import os
import struct
import subprocess
import sys
import threading
import time

import auth_common as a
from auth_common import h

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hostile"))
import rtmp_raw as raw  # noqa: E402

DELAY = 1.5


def flv_tags(path):
    """(type, timestamp ms, body) of each tag of an FLV file."""
    data = open(path, "rb").read()
    pos = struct.unpack(">I", data[5:9])[0] + 4
    tags = []
    while pos + 11 <= len(data):
        t = data[pos]
        size = int.from_bytes(data[pos + 1:pos + 4], "big")
        ts = int.from_bytes(data[pos + 4:pos + 7], "big") | (data[pos + 7] << 24)
        body = data[pos + 11:pos + 11 + size]
        if len(body) < size:
            break
        tags.append((t, ts, body))
        pos += 11 + size + 4
    return tags


def make_flv(ctx, name, size, seconds, bitrate, noise=0):
    """An H.264 + AAC FLV; noise makes the picture hard to compress (a big file)."""
    flv = ctx.path(name)
    video = f"testsrc=size={size}:rate=25" + (f",noise=alls={noise}:allf=t" if noise else "")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", video,
                    "-f", "lavfi", "-i",
                    "sine=frequency=440:sample_rate=44100", "-t", str(seconds), "-c:v", "libx264",
                    "-preset", "ultrafast", "-b:v", bitrate, "-g", "25", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-f", "flv", flv], check=True, timeout=300)
    return flv_tags(flv)


def run(server, receiver, tags, name):
    """Publish `tags` all at once right after `publish`; check what a waiting player got."""
    video_frames = sum(1 for t, _, b in tags if t == 9 and b[1] == 1)
    key = f"live/{name}"
    player = raw.raw_player(server.port, name)
    # The player reads all along, as a real one does (one that does not is
    # dropped to the next keyframe, which is not what this test is about).
    reading = threading.Event()
    reader = threading.Thread(target=lambda: [player.pump(0.2) for _ in iter(reading.is_set,
                                                                             True)],
                              daemon=True)
    reader.start()
    pub = raw.RawClient(server.port)
    pub.handshake()
    pub.connect()
    sid = pub.create_stream()
    answered = len([r for r in receiver.snapshot() if r["t_out"] is not None])
    pub.send(raw.command_msg("publish", 5, None, name, "live", stream_id=sid, csid=8))
    # Everything at once, before any answer (from a thread: past the ingest's
    # hold, TCP holds the rest until the answer).
    chunks = b"".join(raw.chunk_message(4 if t == 8 else 6 if t == 9 else 5, t, body,
                                        stream_id=sid, ts=ts) for t, ts, body in tags)
    pub.sock.settimeout(60)  # the sends block while the ingest waits for the callback
    sender = threading.Thread(target=pub.send, args=(chunks,), daemon=True)
    sender.start()
    h.wait_for(lambda: len(receiver.snapshot()) > answered or None, 30, f"{key}: callback")

    def got_all():
        n = sum(1 for t, _, p, _ in list(player.msgs) if t == 9 and p[1:2] == b"\x01")
        return n >= video_frames or None
    h.wait_for(got_all, 90, f"{key}: the player's {video_frames} video frames")
    sender.join(30)
    reading.set()
    req = receiver.for_key(key, "publish")[0]
    h.check(req["t_out"] is not None and req["t_out"] - req["t_in"] >= DELAY - 0.1,
            f"{key}: the callback did not take its {DELAY}s")
    video = [p[:2] for t, _, p, _ in player.msgs if t == 9]
    audio = [p[:2] for t, _, p, _ in player.msgs if t == 8]
    h.check(video and video[0] == b"\x17\x00",
            f"{key}: the player's first video message is not the AVC sequence header: "
            f"{video[:2]}")
    h.check(audio and audio[0][1:2] == b"\x00",
            f"{key}: the player's first audio message is not the AAC sequence header: "
            f"{audio[:2]}")
    pub.close()
    stop = a.wait_event(server, "publish_stop", key, timeout=30)[0]
    h.check(stop["data"]["video_packets"] == video_frames,
            f"{key}: publish_stop counts {stop['data']['video_packets']} video frames of "
            f"{video_frames} sent")
    codecs = {e["data"]["media"]: e["data"]["codec"]
              for e in a.of_type(server.events(), "codec_detected", key)}
    h.check(codecs == {"video": "H264", "audio": "AAC"}, f"{key}: codec_detected {codecs}")
    reader.join(5)
    h.log(f"{key}: {len(chunks)} bytes held and delivered, {video_frames} video frames, "
          f"headers first; {codecs}")
    player.close()


def main(ctx):
    a.require_ingest()
    small = make_flv(ctx, "small.flv", "320x240", 3, "300k")
    # More than the ingest holds (4 MiB): reading pauses until the answer.
    big = make_flv(ctx, "big.flv", "640x480", 5, "12M", noise=80)
    h.check(sum(len(b) for _, _, b in big) > 6 * 1024 * 1024, "big.flv is not big enough")
    receiver = a.CallbackReceiver(lambda body: (200, DELAY))
    try:
        server = h.Ingest(ctx, args=["-auth-mode", "callback", "-auth-callback", receiver.url,
                                     "-auth-actions", "publish"])
        run(server, receiver, small, "small")
        run(server, receiver, big, "big")
    finally:
        receiver.close()


if __name__ == "__main__":
    h.run(main)
