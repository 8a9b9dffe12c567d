#!/usr/bin/env python3
"""Recording to FLV, segmented: ffmpeg publishes 25 s of H.264 + AAC with a 2 s GOP to
rtmp-ingest -record-all true -segment-duration 10s. Three files come out, each decodes
with no error from a keyframe, their video frames add up to what ffmpeg sent, their
durations are about 10, 10 and 5 s. A real shell hook on segment_complete runs ffprobe on
$RTMP_PATH each time and finds the event's size on disk. Events: publish_start ->
recording_start -> segment_complete x3 -> recording_stop."""

import os

import record_util as ru
from record_util import h

DURATION = 25


def main(ctx):
    rec_dir = ctx.path("recordings")
    hook, hook_log = ru.write_probe_hook(ctx)
    ingest = h.Ingest(ctx, ["-record-all", "true", "-record-dir", rec_dir,
                            "-segment-duration", "10s",
                            "-hook-script", f"segment_complete={hook}"])
    pub = h.Publisher(ctx, ingest.url("show"), duration=DURATION, gop=60, size="640x360",
                      vbitrate="600k")
    code = pub.wait(DURATION * 6 + 30)
    h.check(code == 0, f"publisher exit status {code}; see {pub.proc.stderr_path}")
    sent = pub.packets_muxed().get("video") or pub.frames()
    h.log(f"ffmpeg sent {sent} video frames")

    ru.wait_event(ingest, "recording_stop")
    events = ingest.events()
    n = ru.check_order(ingest, "live/show", "flv")
    segs = ru.of_type(events, "segment_complete")
    h.check(n == 3, f"{n} segments, want 3: {[s['data'] for s in segs]}")
    start = ru.of_type(events, "recording_start")[0]["data"]
    h.check(start["format"] == "flv" and start["codec"] == "H264" and start["segmented"]
            and start["segment_duration"] == 10000, f"recording_start {start}")
    h.check(start["path"] == segs[0]["data"]["path"], f"recording_start path {start['path']}")

    counts = ru.check_segment_files(segs, "flv", "h264", "flv")
    durations = [ru.duration(s["data"]["path"]) for s in segs]
    h.log(f"segments: frames {counts}, durations {durations}, "
          f"events {[(s['data']['segment_index'], s['data']['duration_ms']) for s in segs]}")
    h.check(sum(counts) == sent, f"segments hold {sum(counts)} video frames, ffmpeg sent {sent}")
    for got, want in zip(durations, (10, 10, 5)):
        h.check(abs(got - want) < 0.6, f"segment durations {durations}, want about 10, 10, 5")
    h.check([s["data"]["segment_index"] for s in segs] == [0, 1, 2], "segment indexes")
    stop = ru.of_type(events, "recording_stop")[0]["data"]
    h.check(stop["error"] == "" and stop["segments"] == 3
            and stop["bytes"] == sum(s["data"]["size"] for s in segs)
            and stop["path"] == segs[-1]["data"]["path"], f"recording_stop {stop}")
    h.check(not ru.files(rec_dir, "part"), f"left .part files: {ru.files(rec_dir, 'part')}")
    h.check(len(os.listdir(rec_dir)) == 3, f"recordings: {os.listdir(rec_dir)}")

    ru.check_hook_runs(hook_log, segs, "flv")
    ingest.stop()


if __name__ == "__main__":
    h.run(main)
