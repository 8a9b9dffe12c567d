#!/usr/bin/env python3
"""Recording to MP4 (fragmented, through libavformat):
1. ffmpeg publishes 12 s of H.264 + AAC (2 s GOP) to -record-format mp4
   -segment-duration 4s: three MP4 files, each decodes with no error from a keyframe,
   their video frames add up to what ffmpeg sent; the segment_complete shell hook runs
   ffprobe on each and finds the event's size on disk.
2. An HEVC stream sent over Enhanced RTMP (FourCC hvc1) by the tests' own client, from a
   file ffmpeg made, recorded with -record-format auto: one MP4 that ffprobe reads as
   hevc with every frame sent, moved to an archive folder by the example hook
   deploy/examples/archive_segment.sh."""

import os

import record_util as ru
from record_util import h
import ertmp_publisher as ep

DURATION = 12


def h264_segments(ctx):
    rec_dir = ctx.path("rec_h264")
    hook, hook_log = ru.write_probe_hook(ctx)
    ingest = h.Ingest(ctx, ["-record-all", "true", "-record-dir", rec_dir,
                            "-record-format", "mp4", "-segment-duration", "4s",
                            "-hook-script", f"segment_complete={hook}"], name="ingest_h264")
    pub = h.Publisher(ctx, ingest.url("show"), duration=DURATION, gop=60, size="640x360",
                      vbitrate="600k")
    code = pub.wait(DURATION * 6 + 30)
    h.check(code == 0, f"publisher exit status {code}; see {pub.proc.stderr_path}")
    sent = pub.packets_muxed().get("video") or pub.frames()
    ru.wait_event(ingest, "recording_stop")
    events = ingest.events()
    n = ru.check_order(events, "live/show", "mp4")
    segs = ru.of_type(events, "segment_complete")
    h.check(n == 3, f"{n} segments, want 3")
    h.check(all(s["data"]["format"] == "mp4" for s in segs), "format mp4")
    counts = ru.check_segment_files(segs, "mp4", "h264", "mp4")
    durations = [ru.duration(s["data"]["path"]) for s in segs]
    h.log(f"mp4 segments: frames {counts} (sent {sent}), durations {durations}")
    h.check(sum(counts) == sent, f"segments hold {sum(counts)} video frames, ffmpeg sent {sent}")
    for got, want in zip(durations, (4, 4, 4)):
        h.check(abs(got - want) < 0.6, f"segment durations {durations}, want about 4, 4, 4")
    ru.check_hook_runs(hook_log, segs, "mp4")
    ingest.stop()


def hevc_enhanced(ctx):
    src = ctx.path("hevc_src.mp4")
    code, _, err = h._run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y",
                           "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "4",
                           "-c:v", "libx265", "-preset", "ultrafast", "-g", "25",
                           "-x265-params", "log-level=error", "-pix_fmt", "yuv420p", src])
    h.check(code == 0, f"ffmpeg could not make the HEVC source: {err[:300]}")
    rec_dir = ctx.path("rec_hevc")
    archive = ctx.path("archive")
    os.environ["ARCHIVE_DIR"] = archive  # the hook inherits the ingest's environment
    example = os.path.join(h.REPO, "deploy", "examples", "archive_segment.sh")
    ingest = h.Ingest(ctx, ["-record", "live/*", "-record-dir", rec_dir,
                            "-hook-script", f"segment_complete={example}"], name="ingest_hevc")
    sent = ep.publish_hevc(ingest.port, "hevc", src)
    ru.wait_event(ingest, "recording_stop")
    events = ingest.events()
    ru.check_order(events, "live/hevc", "hevc")
    start = ru.of_type(events, "recording_start")[0]["data"]
    h.check(start["format"] == "mp4" and start["codec"] == "H265" and not start["segmented"],
            f"recording_start {start}")
    segs = ru.of_type(events, "segment_complete")
    h.check(len(segs) == 1, f"{len(segs)} files, want 1")
    seg = segs[0]["data"]
    archived = os.path.join(archive, "live", "hevc", os.path.basename(seg["path"]))
    h.wait_for(lambda: os.path.exists(archived), 30, f"the example hook to archive {archived}")
    h.check(not os.path.exists(seg["path"]), f"{seg['path']} still there after archiving")
    h.check(os.path.getsize(archived) == seg["size"], "archived size")
    names = h.codec_names(archived)
    h.check(names.get("video") == "hevc", f"ffprobe reads {names} in {archived}, want hevc")
    errors = h.decode_errors(archived)
    h.check(errors == "", f"decoding {archived}: {errors[:500]}")
    key, frame = h.first_video_frame_is_key(archived)
    h.check(key, f"first frame of {archived} not a keyframe: {frame}")
    got = ru.video_frames(archived)
    h.log(f"hevc over Enhanced RTMP: {sent} frames sent, {got} in {archived}")
    h.check(got == sent, f"{got} hevc frames recorded, {sent} sent")
    ingest.stop()


def main(ctx):
    h264_segments(ctx)
    hevc_enhanced(ctx)


if __name__ == "__main__":
    h.run(main)
