#!/usr/bin/env python3
"""ffmpeg publishes 1280x720 30 fps H.264 + AAC for 10 s; an ffmpeg
player and an rtmpdump player (and a GStreamer rtmpsrc player, where enabled) that were
waiting before the publisher came each record it; each recording holds h264 + aac with
>= 95% of the frames the publisher sent."""

import os
import harness as h

DURATION = 10
FPS = 30


def main(ctx):
    server = h.start_server(ctx)
    url = server.url("test")

    # Players first: each one waits for the publisher and starts when it comes.
    ff = h.ffmpeg_player(ctx, url, "ffmpeg.flv")
    dump = h.rtmpdump_player(ctx, url, "rtmpdump.flv")
    players = [(ff, "ffmpeg.flv"), (dump, "rtmpdump.flv")]
    use_gst = os.environ.get("RTMP_TEST_GST", "1") != "0"
    if use_gst:
        gst = h.gst_player(ctx, url, "gst.flv")
        players.append((gst, "gst.flv"))

    # Wait until each player has asked to play: rtmpdump prints "Starting Live Stream"
    # once the server answered play with NetStream.Play.Start; ffmpeg at -v debug logs
    # "Sending play command"; rtmpsrc is waited for by its TCP connection. Where the
    # server reports events, also wait for its play_start events.
    dump.wait_line(r"Starting Live Stream", 30)
    h.wait_ffmpeg_play_sent(ff)
    h.wait_for(lambda: established_to(server.port) >= len(players), 30,
               f"{len(players)} player connections")
    if isinstance(server, h.Ingest):
        h.wait_for(lambda: sum(e.get("type") == "play_start" for e in server.events())
                   >= len(players), 30, f"{len(players)} play_start events")

    pub = h.Publisher(ctx, url, duration=DURATION, gop=60)
    code = pub.wait(DURATION * 6 + 30)
    h.check(code == 0, f"publisher exit status {code}; see {pub.proc.stderr_path}")
    sent = pub.packets_muxed()
    sent_video = sent.get("video") or pub.frames()
    sent_audio = sent.get("audio")
    h.log(f"publisher sent {sent_video} video / {sent_audio} audio frames")
    h.check(sent_video >= DURATION * FPS * 0.95,
            f"publisher sent only {sent_video} frames (machine too slow?)")

    # Players should end on their own at the unpublish; past the deadline they get SIGINT
    # (ffmpeg and rtmpdump then close their files cleanly).
    for proc, out in players:
        h.stop_player(proc, ctx.path(out))
    for proc, out in players:
        h.check_recording(ctx.path(out), proc.name, sent_video, sent_audio)

    server.stop()


def established_to(port):
    """Established TCP connections to 127.0.0.1:port (client side) from /proc/net/tcp."""
    n = 0
    hexport = f"{port:04X}"
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                parts = line.split()
                remote, state = parts[2], parts[3]
                if remote.endswith(":" + hexport) and state == "01":
                    n += 1
    except OSError:
        return 0
    return n


if __name__ == "__main__":
    h.run(main)
