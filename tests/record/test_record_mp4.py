#!/usr/bin/env python3
"""Recording to MP4 (fragmented, through libavformat):
1. ffmpeg publishes 12 s of H.264 + AAC (2 s GOP) to -record-format mp4
   -segment-duration 4s: three MP4 files, each decodes with no error from a keyframe,
   their video frames add up to what ffmpeg sent; the segment_complete shell hook runs
   ffprobe on each and finds the event's size on disk.
2. An HEVC stream sent over Enhanced RTMP (FourCC hvc1) by the tests' own client, from a
   file ffmpeg made, recorded with -record-format auto: one MP4 that ffprobe reads as
   hevc with every frame sent, moved to an archive folder by the example hook
   deploy/examples/archive_segment.sh.
3. A/V offset: an FLV whose audio starts 46 ms after its video and whose video has a
   composition offset (B-frames) is published as is (-c copy): the MP4 keeps the
   audio's start relative to the video's, as the source had it; it started every
   track at 0 (audio 46 ms early, lip sync off in every recording)."""

import json
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
    n = ru.check_order(ingest, "live/show", "mp4")
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
    ru.check_order(ingest, "live/hevc", "hevc")
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


def start_times(path):
    code, out, err = h._run(["ffprobe", "-v", "error", "-show_entries",
                             "stream=codec_type,start_time", "-of", "json", path])
    h.check(code == 0, f"ffprobe {path}: {err[:300]}")
    return {s["codec_type"]: float(s["start_time"]) for s in json.loads(out)["streams"]}


def av_offset(ctx):
    src = ctx.path("offset_src.flv")
    code, _, err = h._run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y",
                           "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30",
                           "-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", "5",
                           "-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-g", "30",
                           "-c:a", "aac", "-f", "flv", src])
    h.check(code == 0, f"ffmpeg could not make the source: {err[:300]}")
    want = start_times(src)
    h.check(abs(want["audio"] - want["video"]) >= 0.01,
            f"the source has no A/V offset to keep: {want}")
    rec_dir = ctx.path("rec_offset")
    ingest = h.Ingest(ctx, ["-record-all", "true", "-record-dir", rec_dir,
                            "-record-format", "mp4"], name="ingest_offset")
    pub = ctx.proc("pub_offset", ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-re",
                                  "-i", src, "-c", "copy", "-f", "flv", ingest.url("offset")])
    h.check(pub.wait_exit(60) == 0, f"publisher failed; see {pub.stderr_path}")
    ru.wait_event(ingest, "recording_stop")
    path = ru.of_type(ingest.events(), "segment_complete")[0]["data"]["path"]
    got = start_times(path)
    h.log(f"start times: source {want}, recording {got}")
    diff = (got["audio"] - got["video"]) - (want["audio"] - want["video"])
    h.check(abs(diff) <= 0.005, f"the recording moved audio against video by {diff * 1000:.0f} ms")
    errors = h.decode_errors(path)
    h.check(errors == "", f"decoding {path}: {errors[:500]}")
    ingest.stop()


def main(ctx):
    h264_segments(ctx)
    hevc_enhanced(ctx)
    av_offset(ctx)


if __name__ == "__main__":
    h.run(main)
