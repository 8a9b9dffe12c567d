"""Helpers for the recording process tests: a real shell hook that ffprobes each
finished segment, event checks, ffprobe figures of recorded files."""

import glob
import json
import os
import stat
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402

HOOK = """#!/bin/sh
# segment_complete hook under test: the file must be complete under its final
# name when the event arrives.
size=$(stat -c %s "$RTMP_PATH" 2>/dev/null || echo missing)
if ffprobe -v error -show_entries format=duration -of csv=p=0 "$RTMP_PATH" >/dev/null 2>"$0.err.$$"; then
  echo "OK $RTMP_SEGMENT_INDEX $RTMP_SIZE $size $RTMP_PATH" >> "{log}"
else
  echo "FAIL $RTMP_SEGMENT_INDEX $RTMP_SIZE $size $RTMP_PATH $(head -c 300 "$0.err.$$" | tr '\\n' ' ')" >> "{log}"
fi
rm -f "$0.err.$$"
"""


def write_probe_hook(ctx):
    """A shell hook for segment_complete; returns (script path, log path)."""
    log = ctx.path("hook.log")
    path = ctx.path("probe_segment.sh")
    with open(path, "w") as f:
        f.write(HOOK.replace("{log}", log))
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path, log


def hook_lines(log):
    return [line.split(" ", 5) for line in h.read_text(log).splitlines() if line.strip()]


def check_hook_runs(log, segments, what):
    """Every segment_complete ran the hook, ffprobe succeeded, size matched the disk."""
    h.wait_for(lambda: len(hook_lines(log)) >= len(segments), 60,
               f"{what}: {len(segments)} hook runs")
    lines = hook_lines(log)
    h.check(len(lines) == len(segments), f"{what}: {len(lines)} hook runs for "
            f"{len(segments)} segments: {lines}")
    for parts in lines:
        h.check(parts[0] == "OK", f"{what}: hook's ffprobe failed: {' '.join(parts)}")
        h.check(parts[2] == parts[3],
                f"{what}: event size {parts[2]} != size on disk {parts[3]} ({parts[4]})")
    h.log(f"{what}: hook ran ffprobe OK on {len(lines)} segments, sizes match the disk")


def flv_and_mp4_ingests(ctx, key):
    """Two rtmp-ingests recording every stream, one as FLV into rec_flv, the
    other as MP4 into rec_mp4 (by format), and the ffmpeg tee muxer's output
    list that publishes one stream to both as `key`."""
    ingests = {}
    for fmt in ("flv", "mp4"):
        ingests[fmt] = h.Ingest(ctx, ["-record-all", "true", "-record-format", fmt,
                                      "-record-dir", ctx.path(f"rec_{fmt}")], name=f"ingest_{fmt}")
    outs = "|".join(f"[f=flv:onfail=ignore]{i.url(key)}" for i in ingests.values())
    return ingests, outs


def of_type(events, name):
    return [e for e in events if e.get("type") == name]


def wait_event(ingest, name, count=1, timeout=60):
    """The events named `name`, once there are `count` of them."""
    h.wait_for(lambda: len(of_type(ingest.events(), name)) >= count or None, timeout,
               f"{count} {name} event(s)")
    return of_type(ingest.events(), name)


def check_order(ingest, key, what):
    """publish_start -> recording_start -> segment_complete... -> recording_stop, one each;
    and the publisher's connection_close (waited for) is its connection's last event: the
    recording's events carry the publisher's conn_id and come before it."""
    def publisher(events):
        return next((e["conn_id"] for e in events
                     if e["type"] == "publish_start" and e["stream_key"] == key), None)

    def closed():
        events = ingest.events()
        conn = publisher(events)
        return events if conn and any(e["type"] == "connection_close" and e["conn_id"] == conn
                                      for e in events) else None
    events = h.wait_for(closed, 60, f"{what}: the publisher's connection_close")
    names = [e["type"] for e in events if e.get("stream_key") == key and e["type"] in (
        "publish_start", "recording_start", "segment_complete", "recording_stop")]
    h.check(names.count("recording_start") == 1 and names.count("recording_stop") == 1,
            f"{what}: want one recording_start and one recording_stop, got {names}")
    h.check(names[0] == "publish_start" and names[1] == "recording_start"
            and names[-1] == "recording_stop"
            and all(n == "segment_complete" for n in names[2:-1]),
            f"{what}: event order {names}")
    of_conn = [e["type"] for e in events if e["conn_id"] == publisher(events)]
    h.check(of_conn[-1] == "connection_close" and of_conn.count("connection_close") == 1,
            f"{what}: the publisher's events do not end with its connection_close: {of_conn}")
    return names.count("segment_complete")


def duration(path):
    code, out, err = h._run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                             "-of", "csv=p=0", path])
    h.check(code == 0, f"ffprobe {path}: {err.strip()[:300]}")
    return float(out.strip())


def video_frames(path):
    return h.packet_counts(path).get("video", 0)


def files(dir_, ext="*"):
    return sorted(glob.glob(os.path.join(dir_, f"*.{ext}")))


def check_segment_files(segs, fmt, codec, what):
    """Each finished segment: on disk under its final name, decodes cleanly, starts on a
    keyframe. Returns the video frames in each."""
    counts = []
    for s in segs:
        d = s["data"]
        path = d["path"]
        h.check(path.endswith("." + fmt), f"{what}: {path} is not .{fmt}")
        h.check(os.path.exists(path) and not os.path.exists(path + ".part"),
                f"{what}: {path} not complete under its final name")
        h.check(os.path.getsize(path) == d["size"], f"{what}: {path} size {d['size']} in the "
                f"event, {os.path.getsize(path)} on disk")
        names = h.codec_names(path)
        h.check(names.get("video") == codec, f"{what}: {path} codecs {names}, want {codec}")
        errors = h.decode_errors(path)
        h.check(errors == "", f"{what}: decoding {path}: {errors[:500]}")
        key, frame = h.first_video_frame_is_key(path)
        h.check(key, f"{what}: first video frame of {path} is not a keyframe: {frame}")
        counts.append(video_frames(path))
    return counts
