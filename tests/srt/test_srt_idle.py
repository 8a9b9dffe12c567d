#!/usr/bin/env python3
"""An SRT caller that connects and sends nothing is closed at -idle-timeout.

GStreamer's srtclientsink connects with a stream id and a valve that drops
every buffer, so not a byte of MPEG-TS comes. After -idle-timeout (3 s) the
ingest closes it: publish_stop and connection_close say idle_timeout, the log
says so once, and no WARN line blames the input (there was none to blame)."""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import srt_util as u  # noqa: E402
import harness as h  # noqa: E402


def main(ctx):
    if not shutil.which("gst-launch-1.0"):
        h.skip("gst-launch-1.0 not installed")
    ing, port = u.start_ingest(ctx, ["-idle-timeout", "3s"])
    ctx.proc("silent", ["gst-launch-1.0", "-q", "fakesrc", "!", "valve", "drop=true", "!",
                        "srtclientsink", f"uri=srt://127.0.0.1:{port}?streamid=publish:live/quiet"])
    close = h.wait_for(lambda: [e for e in ing.events() if e["type"] == "connection_close"
                                and e["stream_key"] == "live/quiet"], 60,
                       "connection_close of the silent caller")[0]
    stop = [e for e in ing.events() if e["type"] == "publish_stop"
            and e["stream_key"] == "live/quiet"]
    h.check(close["data"]["reason"] == "idle_timeout", f"connection_close: {close}")
    h.check(len(stop) == 1 and stop[0]["data"]["reason"] == "idle_timeout",
            f"publish_stop: {stop}")
    ing.proc.wait_line(r"SRT connection closed: no data for -idle-timeout", 20)
    warns = [line for line in ing.log_text().splitlines()
             if '"level":"warn"' in line or " warn " in line.lower()]
    warns = [w for w in warns if "live/quiet" in w or "srt-" in w]
    h.check(not warns, f"WARN lines about the silent caller: {warns}")
    h.log(f"silent caller closed: {json.dumps(close['data'])}")
    ing.stop()


if __name__ == "__main__":
    h.run(main)
