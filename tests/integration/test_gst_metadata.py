#!/usr/bin/env python3
"""A GStreamer publisher (flvmux ! rtmp2sink) resends onMetaData about once a
second; players must get it at timestamp 0, as nginx-rtmp sends it, or
ffmpeg's FLV reader turns each resend (a script tag with a media timestamp)
into a data stream. The recordings of an ffmpeg, an rtmpdump and a GStreamer
player, each 6 s long (several resends), hold exactly one video and one audio
stream (ffprobe), and nothing else.

(Seen failing before metadata went out at timestamp 0: each recording had a
third stream, codec_type "data".)
"""

import shutil
import subprocess

import harness as h

RECORD = 6  # s: several onMetaData resends


def has_element(name):
    return subprocess.run(["gst-inspect-1.0", name], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def gst_publisher(ctx, url):
    video_enc = next((e for e in ("x264enc", "openh264enc") if has_element(e)), None)
    audio_enc = next((e for e in ("voaacenc", "avenc_aac") if has_element(e)), None)
    for e in ("videotestsrc", "audiotestsrc", "flvmux", "rtmp2sink", "h264parse", "aacparse"):
        if not has_element(e):
            h.skip(f"GStreamer element {e} missing")
    if not video_enc or not audio_enc:
        h.skip("no GStreamer H.264 (x264enc/openh264enc) or AAC (voaacenc/avenc_aac) encoder")
    venc = (["x264enc", "tune=zerolatency", "speed-preset=ultrafast", "key-int-max=60",
             "bitrate=800"] if video_enc == "x264enc" else ["openh264enc", "bitrate=800000"])
    argv = ["gst-launch-1.0", "-e",
            "videotestsrc", "is-live=true", "!",
            "video/x-raw,width=640,height=360,framerate=30/1", "!", *venc, "!",
            "h264parse", "!", "queue", "!", "flvmux", "streamable=true", "name=m", "!",
            "rtmp2sink", f"location={url}",
            "audiotestsrc", "is-live=true", "!", "audioconvert", "!", "audioresample", "!",
            "audio/x-raw,rate=44100,channels=2", "!", audio_enc, "!", "aacparse", "!",
            "queue", "!", "m."]
    return ctx.proc("gstpublisher", argv)


def main(ctx):
    for tool in ("gst-launch-1.0", "gst-inspect-1.0", "rtmpdump", "ffmpeg", "ffprobe"):
        if not shutil.which(tool):
            h.skip(f"{tool} not installed")
    server = h.start_server(ctx, wait_key=True)
    url = server.url("gstmeta")
    pub = gst_publisher(ctx, url)
    if server.kind == "ingest":
        h.wait_for(lambda: "publish started" in server.log_text() or not pub.running(), 30,
                   "the GStreamer publish")
    h.check(pub.running(), f"GStreamer publisher exited ({pub.poll()}); see {pub.stderr_path}")

    ff = h.ffmpeg_player(ctx, url, "ffmpeg.flv", duration=RECORD)
    dump = h.rtmpdump_player(ctx, url, "rtmpdump.flv")
    gst = h.gst_player(ctx, url, "gst.flv")
    code = ff.wait_exit(60)
    h.check(code == 0, f"ffmpeg player exit status {code}; see {ff.stderr_path}")
    for proc, name in ((dump, "rtmpdump.flv"), (gst, "gst.flv")):
        h.wait_for(lambda: h.file_size(ctx.path(name)) >= 0.8 * h.file_size(ctx.path("ffmpeg.flv")),
                   30, f"{name} to record as much as the ffmpeg player")
        h.stop_player(proc, ctx.path(name), timeout=0)
    h.check(pub.running(), "the GStreamer publisher ended before the players finished")

    for name in ("ffmpeg.flv", "rtmpdump.flv", "gst.flv"):
        streams = h.probe_streams(ctx.path(name))
        kinds = sorted(s.get("codec_type", "?") for s in streams)
        h.log(f"{name}: {[(s.get('codec_type'), s.get('codec_name')) for s in streams]}")
        h.check(kinds == ["audio", "video"],
                f"{name}: streams {kinds}, expected exactly one video and one audio")


if __name__ == "__main__":
    h.run(main)
