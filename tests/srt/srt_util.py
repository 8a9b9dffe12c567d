"""Helpers for the SRT ingest process tests: rtmp-ingest with -srt-listen, ffmpeg
publishing MPEG-TS over SRT (the caller), the events of one connection."""

import os
import re
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FPS = 25
GOP = 50


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_ingest(ctx, args=(), name="ingest"):
    """rtmp-ingest with an SRT listener; returns (ingest, srt_port)."""
    port = free_udp_port()
    ing = h.Ingest(ctx, ["-srt-listen", f"127.0.0.1:{port}", *args], name=name)
    ing.proc.wait_line(rf"SRT on 127\.0\.0\.1:{port} \(port {port}\)", 20)
    return ing, port


def srt_url(port, stream_id, **params):
    """ffmpeg (5.1) passes streamid as written: it may not hold '&'."""
    query = "&".join([f"streamid={stream_id}"] +
                     [f"{k}={v}" for k, v in params.items()])
    return f"srt://127.0.0.1:{port}?{query}"


class SrtPublisher:
    """ffmpeg: testsrc2 + sine, libx264 (GOP 50 at 25 fps) + AAC, MPEG-TS over SRT, -re."""

    def __init__(self, ctx, url, name="srtpub", duration=10, size="640x360", codec="libx264"):
        self.name = name
        self.progress_path = ctx.path(f"{name}.progress")
        argv = ["ffmpeg", "-hide_banner", "-nostdin", "-v", "verbose", "-y",
                "-re", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={FPS}",
                "-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                "-t", str(duration),
                "-c:v", codec, "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt",
                "yuv420p", "-g", str(GOP), "-keyint_min", str(GOP), "-b:v", "800k",
                "-c:a", "aac", "-b:a", "96k", "-ar", "48000", "-ac", "2",
                "-progress", self.progress_path, "-f", "mpegts", url]
        self.proc = ctx.proc(name, argv)

    def frames(self):
        vals = re.findall(r"^frame=(\d+)", h.read_text(self.progress_path), re.M)
        return int(vals[-1]) if vals else 0

    def wait(self, timeout):
        return self.proc.wait_exit(timeout)


def conn_events(ing, conn_id):
    return [e for e in ing.events() if e.get("conn_id") == conn_id]


def srt_conn_ids(ing):
    return [e["conn_id"] for e in ing.events()
            if e["type"] == "connection_accept" and e["data"].get("protocol") == "srt"]


def publish_starts(ing, key):
    return [e for e in ing.events() if e["type"] == "publish_start" and e["stream_key"] == key]


def publish_stops(ing, key):
    return [e for e in ing.events() if e["type"] == "publish_stop" and e["stream_key"] == key]


def publish_ok(ctx, ing, port, key, name, duration=3, query="", **params):
    """One short SRT publish that must be accepted: returns its publish_stop."""
    before = len(publish_stops(ing, key))
    pub = SrtPublisher(ctx, srt_url(port, f"publish:{key}{query}", **params), name=name,
                       duration=duration)
    code = pub.wait(duration + 60)
    h.check(code == 0, f"{name}: ffmpeg exit {code}; see {pub.proc.stderr_path}")
    stops = h.wait_for(lambda: publish_stops(ing, key)[before:], 20, f"{name}: publish_stop")
    h.check(stops[0]["data"]["video_packets"] > 0, f"{name}: no video published: {stops[0]}")
    return stops[0]


def publish_refused(ctx, ing, port, key, name, log_regex, query="", **params):
    """One SRT publish that must be refused in the handshake with a log line."""
    before = len(publish_starts(ing, key))
    pub = SrtPublisher(ctx, srt_url(port, f"publish:{key}{query}", **params), name=name,
                       duration=3)
    code = pub.wait(60)
    h.check(code != 0, f"{name}: ffmpeg exit 0, the server should have refused it")
    line = ing.proc.wait_line(log_regex, 20)
    h.log(f"{name}: refused: {line.group(0)}")
    h.check(len(publish_starts(ing, key)) == before, f"{name}: a publish_start was emitted")
    return line
