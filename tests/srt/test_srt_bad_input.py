#!/usr/bin/env python3
"""SRT callers the ingest must turn away without harm to anyone else.

A caller that sends something other than MPEG-TS (raw video frames) is closed
within seconds, while it is still sending, with one log line saying it is not
MPEG-TS; its publish_stop and connection_close say `error`, and libavformat's
complaints about the input never reach stderr, where the stdio hook's JSON
lines are. So is a caller whose MPEG-TS holds only codecs RTMP players do not
take (MPEG-2 video, MP2 audio), with a log line naming them. A second caller publishing a key that is already live is closed
with a log line (connection_close: role none, reason error) and no
publish_start, while the first publisher of the key goes on to its end:
ffmpeg exits 0 and its publish_stop says disconnect with frames counted after
the refusal."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import srt_util as u  # noqa: E402
import harness as h  # noqa: E402

RAW_SECONDS = 60


def raw_video_caller(ctx, url):
    """ffmpeg sending uncompressed frames (not MPEG-TS) over SRT, in real time."""
    return ctx.proc("raw", ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-re",
                            "-f", "lavfi", "-i", f"testsrc2=size=320x240:rate={u.FPS}",
                            "-t", str(RAW_SECONDS), "-f", "rawvideo", url])


def mpeg2_caller(ctx, url):
    """ffmpeg sending MPEG-TS with MPEG-2 video and MP2 audio, codecs RTMP players do not take."""
    return ctx.proc("mpeg2", ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-re",
                              "-f", "lavfi", "-i", f"testsrc2=size=320x240:rate={u.FPS}",
                              "-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", str(RAW_SECONDS),
                              "-c:v", "mpeg2video", "-c:a", "mp2", "-f", "mpegts", url])


def closes(ing, key):
    return [e for e in ing.events() if e["type"] == "connection_close" and e["stream_key"] == key]


def main(ctx):
    ing, port = u.start_ingest(ctx)

    # Not MPEG-TS.
    started = time.monotonic()
    raw = raw_video_caller(ctx, u.srt_url(port, "publish:live/raw"))
    stop = h.wait_for(lambda: u.publish_stops(ing, "live/raw"), 30,
                      "publish_stop for the raw-video caller")[0]
    # It sends for RAW_SECONDS: a stop long before then is the server's doing.
    h.check(time.monotonic() - started < RAW_SECONDS / 2,
            "the raw-video caller was not closed while it was still sending")
    h.check(stop["data"]["reason"] == "error" and stop["data"]["video_packets"] == 0,
            f"publish_stop for raw video: {stop}")
    close = h.wait_for(lambda: closes(ing, "live/raw"), 20, "its connection_close")[0]
    h.check(close["data"]["reason"] == "error", f"connection_close for raw video: {close}")
    line = ing.proc.wait_line(r"SRT publish: not MPEG-TS[^\"]*", 20)
    h.log(f"raw video refused in {time.monotonic() - started:.1f} s: {line.group(0)}")
    raw.stop(timeout=20)

    # MPEG-TS, but nothing in it that players could take.
    started = time.monotonic()
    mpeg2 = mpeg2_caller(ctx, u.srt_url(port, "publish:live/mpeg2"))
    stop = h.wait_for(lambda: u.publish_stops(ing, "live/mpeg2"), 30,
                      "publish_stop for the MPEG-2 caller")[0]
    # It sends for RAW_SECONDS: a stop long before then is the server's doing.
    h.check(time.monotonic() - started < RAW_SECONDS / 2,
            "the MPEG-2 caller was not closed while it was still sending")
    h.check(stop["data"]["reason"] == "error", f"publish_stop for MPEG-2: {stop}")
    close = h.wait_for(lambda: closes(ing, "live/mpeg2"), 20, "its connection_close")[0]
    h.check(close["data"]["reason"] == "error", f"connection_close for MPEG-2: {close}")
    line = ing.proc.wait_line(
        r"SRT publish: no stream that RTMP players can take[^\"]*mpeg2video[^\"]*", 20)
    h.log(f"MPEG-2 refused in {time.monotonic() - started:.1f} s: {line.group(0)}")
    mpeg2.stop(timeout=20)

    # A key already live.
    first = u.SrtPublisher(ctx, u.srt_url(port, "publish:live/busy"), name="first", duration=8)
    h.wait_for(lambda: [e for e in ing.events() if e["type"] == "codec_detected"
                        and e["stream_key"] == "live/busy"], 30, "live/busy publishing")
    second = u.SrtPublisher(ctx, u.srt_url(port, "publish:live/busy"), name="second", duration=3)
    line = ing.proc.wait_line(r"SRT publish refused: already publishing", 30)
    refused_at = first.frames()
    h.check(second.wait(60) != 0, "the second caller's ffmpeg exited 0: it was not refused")
    code = first.wait(60)
    h.check(code == 0, f"the first publisher's ffmpeg exited {code} after the refusal")
    starts = u.publish_starts(ing, "live/busy")
    h.check(len(starts) == 1, f"{len(starts)} publish_start for live/busy, expected 1")
    stops = h.wait_for(lambda: u.publish_stops(ing, "live/busy"), 30, "the first's publish_stop")
    h.check(len(stops) == 1 and stops[0]["data"]["reason"] == "disconnect"
            and stops[0]["conn_id"] == starts[0]["conn_id"]
            and stops[0]["data"]["video_packets"] > refused_at,
            f"the first publisher's publish_stop ({refused_at} frames sent at the refusal): {stops}")
    refused = [e for e in closes(ing, "live/busy") if e["conn_id"] != starts[0]["conn_id"]]
    h.check(len(refused) == 1 and refused[0]["data"]["role"] == "none"
            and refused[0]["data"]["reason"] == "error",
            f"the second caller's connection_close: {refused}")

    ing.stop()
    stray = []
    for text in h.read_text(ing.proc.stderr_path).splitlines():
        try:
            json.loads(text)
        except ValueError:
            stray.append(text)
    h.check(not stray, f"{len(stray)} lines on stderr are not the stdio hook's JSON: {stray[:3]}")
    h.log("raw video closed with error; the busy key's first publisher kept streaming")


if __name__ == "__main__":
    h.run(main)
