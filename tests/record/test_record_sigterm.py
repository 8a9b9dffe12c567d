#!/usr/bin/env python3
"""SIGTERM of rtmp-ingest while it records: before it exits (status 0), the recording
completes its file under its final name and emits segment_complete and recording_stop,
after recording_start, within -shutdown-timeout."""

import os

import record_util as ru
from record_util import h


def main(ctx):
    rec_dir = ctx.path("recordings")
    ingest = h.Ingest(ctx, ["-record-all", "true", "-record-dir", rec_dir,
                            "-record-format", "mp4", "-shutdown-timeout", "10s"])
    pub = h.Publisher(ctx, ingest.url("show"), duration=60, gop=60, size="640x360",
                      vbitrate="600k")
    ru.wait_event(ingest, "recording_start")
    pub.wait_frames(150, 60)
    ingest.stop()  # SIGTERM; checks exit status 0
    events = ingest.events()
    ru.check_order(ingest, "live/show", "sigterm")
    segs = ru.of_type(events, "segment_complete")
    h.check(len(segs) == 1, f"{len(segs)} segment_complete, want 1")
    stop = ru.of_type(events, "recording_stop")[0]["data"]
    h.check(stop["error"] == "" and stop["segments"] == 1, f"recording_stop {stop}")
    counts = ru.check_segment_files(segs, "mp4", "h264", "sigterm")
    h.log(f"on SIGTERM: {segs[0]['data']['path']} complete with {counts[0]} frames")
    h.check(counts[0] >= 120, f"only {counts[0]} frames recorded")
    h.check(not ru.files(rec_dir, "part"), f"left .part files: {os.listdir(rec_dir)}")
    pub.proc.stop()


if __name__ == "__main__":
    h.run(main)
