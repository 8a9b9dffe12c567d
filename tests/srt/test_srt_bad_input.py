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

SENDING_SECONDS = 60


def caller(ctx, name, url, output_args):
    """ffmpeg sending testsrc2 (and a sine) over SRT in real time for SENDING_SECONDS,
    in whatever `output_args` make of it."""
    return ctx.proc(name, ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-re",
                           "-f", "lavfi", "-i", f"testsrc2=size=320x240:rate={u.FPS}",
                           "-f", "lavfi", "-i", "sine=sample_rate=48000",
                           "-t", str(SENDING_SECONDS), *output_args, url])


def expect_closed(ctx, ing, port, key, output_args, log_regex):
    """A caller the server must close while it still sends: publish_stop and
    connection_close with reason error, and a log line matching `log_regex`."""
    started = time.monotonic()
    proc = caller(ctx, key.replace("/", "_"), u.srt_url(port, f"publish:{key}"), output_args)
    stop = h.wait_for(lambda: u.publish_stops(ing, key), 30, f"publish_stop for {key}")[0]
    # It sends for SENDING_SECONDS: a stop long before then is the server's doing.
    h.check(time.monotonic() - started < SENDING_SECONDS / 2,
            f"the {key} caller was not closed while it was still sending")
    h.check(stop["data"]["reason"] == "error" and stop["data"]["video_packets"] == 0,
            f"publish_stop for {key}: {stop}")
    close = h.wait_for(lambda: closes(ing, key), 20, f"connection_close for {key}")[0]
    h.check(close["data"]["reason"] == "error", f"connection_close for {key}: {close}")
    line = ing.proc.wait_line(log_regex, 20)
    h.log(f"{key} closed in {time.monotonic() - started:.1f} s: {line.group(0)}")
    proc.stop(timeout=20)


def closes(ing, key):
    return [e for e in ing.events() if e["type"] == "connection_close" and e["stream_key"] == key]


def main(ctx):
    ing, port = u.start_ingest(ctx)

    # Not MPEG-TS: uncompressed frames.
    expect_closed(ctx, ing, port, "live/raw", ["-map", "0:v", "-f", "rawvideo"],
                  r"SRT publish: not MPEG-TS[^\"]*")
    # MPEG-TS, but nothing in it that players could take.
    expect_closed(ctx, ing, port, "live/mpeg2",
                  ["-c:v", "mpeg2video", "-c:a", "mp2", "-f", "mpegts"],
                  r"SRT publish: no stream that RTMP players can take[^\"]*mpeg2video[^\"]*")

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
