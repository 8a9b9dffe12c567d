#!/usr/bin/env python3
"""A recording whose disk fails: rtmp-ingest runs under `prlimit --fsize` (a file size
limit, as root too; SIGXFSZ is ignored so the write fails with EFBIG). The recording ends
with recording_stop carrying the error and the bytes of the .part it left, and exactly
one ERROR line; the publisher and a player on the same stream lose no frame. The API shows the stream as recorded
("recording": true) until the error, and as not recorded after it while the
publish goes on."""

import json
import os
import re
import urllib.error
import urllib.request

import record_util as ru
from record_util import h

DURATION = 12
FSIZE = 1_000_000  # bytes: reached ~5 s into a 1.5 Mbit/s stream


class LimitedIngest(h.Ingest):
    """rtmp-ingest started through prlimit --fsize."""

    def __init__(self, ctx, args):
        self.ctx = ctx
        self.port = h.free_port()
        argv = ["prlimit", f"--fsize={FSIZE}", h.ingest_binary(),
                "-listen", f"127.0.0.1:{self.port}", "-hook-stdio-format", "json"] + args
        self.proc = ctx.proc("ingest", argv)
        h.wait_for(lambda: self._ready(), 30, f"rtmp-ingest to listen on {self.port}", 0.1)


def error_lines(text):
    out = []
    for line in text.splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            if " error " in line or line.startswith("error"):
                out.append(line)
            continue
        if rec.get("level") == "error":
            out.append(line)
    return out


def api_recording(api_port, key):
    """The stream's "recording" as GET /api/v1/streams/{key} says (None: not listed)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{api_port}/api/v1/streams/{key}",
                                    timeout=10) as r:
            return json.loads(r.read())["recording"]
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return None
        raise


def main(ctx):
    rec_dir = ctx.path("recordings")
    ingest = LimitedIngest(ctx, ["-record-all", "true", "-record-dir", rec_dir,
                                 "-api-addr", "127.0.0.1:0"])
    line = ingest.proc.wait_line(r"rtmp-ingest API on \S+ \(port \d+\)", 20)
    api_port = int(re.search(r"\(port (\d+)\)", line.group(0)).group(1))
    url = ingest.url("show")
    player = h.ffmpeg_player(ctx, url, "player.flv")
    h.wait_ffmpeg_play_sent(player)
    h.wait_for(lambda: ru.of_type(ingest.events(), "play_start") or None, 30, "play_start")
    pub = h.Publisher(ctx, url, duration=DURATION, gop=60, size="640x360", vbitrate="1500k")

    ru.wait_event(ingest, "recording_start", timeout=60)
    h.check(api_recording(api_port, "live/show") is True, "API: recording false while recorded")
    stop = ru.wait_event(ingest, "recording_stop", timeout=DURATION * 6)[0]["data"]
    h.log(f"recording_stop: {stop}")
    h.check("too large" in stop["error"].lower(), f"recording_stop error {stop['error']!r}, "
            "want the file size limit (EFBIG)")
    parts = ru.files(rec_dir, "part")
    on_disk = sum(os.path.getsize(p) for p in parts)
    h.check(len(parts) == 1 and stop["bytes"] == on_disk,
            f"recording_stop bytes {stop['bytes']}, the .part left holds {on_disk} ({parts})")
    h.check(stop["path"] == parts[0], f"recording_stop path {stop['path']!r}, the file on disk "
                                      f"is {parts[0]!r}")
    h.check(pub.proc.running(), "the publisher ended with the recording")
    h.wait_for(lambda: api_recording(api_port, "live/show") is False, 10,
               "the API to show the stream unrecorded after the recording's error")
    h.check(pub.proc.running(), "the publisher ended before the API was checked")

    code = pub.wait(DURATION * 6 + 30)
    h.check(code == 0, f"publisher exit status {code}; see {pub.proc.stderr_path}")
    sent = pub.packets_muxed()
    h.stop_player(player, ctx.path("player.flv"))
    ru.wait_event(ingest, "publish_stop")
    events = ingest.events()
    ru.check_order(ingest, "live/show", "disk error")
    pstop = ru.of_type(events, "publish_stop")[0]["data"]
    h.check(pstop["video_packets"] == sent["video"], f"publish_stop counts "
            f"{pstop['video_packets']} video frames, ffmpeg sent {sent['video']}")
    counts = h.packet_counts(ctx.path("player.flv"))
    h.log(f"publisher sent {sent}, player got {counts}")
    h.check(counts.get("video") == sent["video"] and counts.get("audio") == sent["audio"],
            f"player got {counts}, publisher sent {sent}")
    ingest.stop()
    errors = error_lines(ingest.log_text())
    h.check(len(errors) == 1 and "recording failed" in errors[0],
            f"want one ERROR line (recording failed), got {errors}")


if __name__ == "__main__":
    h.run(main)
