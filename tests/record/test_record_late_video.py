#!/usr/bin/env python3
"""Video that starts after the audio is recorded.

An MPEG-TS encoder's video often starts half a second after its audio. The test makes
5 s of MPEG-TS whose video (H.264, or H.265) starts 0.5 s after its AAC, and ffmpeg
sends each in real time (-re -c copy) over SRT to an rtmp-ingest recording every
stream: H.264 with -record-format mp4, H.265 with -record-format auto (MP4 for HEVC).
Each publish gives one file whose events say its video codec, and ffprobe finds in it
a video stream of that codec with >= 95% of the frames sent, and the AAC. (Seen
failing before: the file opened audio-only at the first audio frame; the MP4 dropped
every video frame, and auto wrote HEVC into FLV, which ffprobe cannot read.)"""

import os
import sys

import record_util as ru
from record_util import h

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "srt"))
import srt_util as su  # noqa: E402

SECONDS = 5
FFMPEG = ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y"]
CASES = [  # key, -record-format, encoder, ffprobe's codec name, the events' codec name
    ("late264", "mp4", ["-c:v", "libx264", "-preset", "ultrafast"], "h264", "H264"),
    ("late265", "auto", ["-c:v", "libx265", "-preset", "ultrafast",
                         "-x265-params", "log-level=error"], "hevc", "H265"),
]


def late_ts(ctx, name, encoder):
    """MPEG-TS of SECONDS s whose video starts 0.5 s after its audio; (path, video frames)."""
    src = ctx.path(f"{name}_src.ts")
    code, _, err = h._run(FFMPEG + [
        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", str(SECONDS + 1),
        *encoder, "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k",
        "-f", "mpegts", src])
    h.check(code == 0, f"{name}: encoding failed: {err[:300]}")
    out = ctx.path(f"{name}.ts")
    code, _, err = h._run(FFMPEG + ["-itsoffset", "0.5", "-i", src, "-i", src,
                                    "-map", "0:v", "-map", "1:a", "-t", str(SECONDS),
                                    "-c", "copy", "-f", "mpegts", out])
    h.check(code == 0, f"{name}: remuxing failed: {err[:300]}")
    return out, h.packet_counts(out).get("video", 0)


def main(ctx):
    runs = []
    for key, fmt, encoder, _, _ in CASES:
        src, frames = late_ts(ctx, key, encoder)
        rec_dir = ctx.path(f"rec_{key}")
        ing, port = su.start_ingest(ctx, ["-record-all", "true", "-record-format", fmt,
                                          "-record-dir", rec_dir], name=f"ingest_{key}")
        pub = ctx.proc(f"pub_{key}", FFMPEG + [
            "-re", "-i", src, "-c", "copy", "-f", "mpegts",
            su.srt_url(port, f"publish:live/{key}")])
        runs.append((ing, pub, rec_dir, frames))
    for (key, fmt, _, probe_codec, codec), (ing, pub, rec_dir, sent) in zip(CASES, runs):
        code = pub.wait_exit(SECONDS + 60)
        h.check(code == 0, f"{key}: ffmpeg exit {code}; see {pub.stderr_path}")
        ru.wait_event(ing, "recording_stop")
        events = ing.events()
        start = ru.of_type(events, "recording_start")[0]["data"]
        segs = ru.of_type(events, "segment_complete")
        h.check(len(segs) == 1, f"{key}: {len(segs)} files, want 1: {[s['data'] for s in segs]}")
        seg = segs[0]["data"]
        h.check(start["codec"] == codec and seg["codec"] == codec,
                f"{key}: events say {start['codec']}/{seg['codec']}, want {codec}")
        h.check(seg["format"] == "mp4" and seg["path"].endswith(".mp4"),
                f"{key}: -record-format {fmt} wrote {seg['format']}: {seg['path']}")
        names = h.codec_names(seg["path"])
        h.check(names.get("video") == probe_codec and names.get("audio") == "aac",
                f"{key}: {seg['path']} holds {names}, want {probe_codec} + aac")
        got = h.packet_counts(seg["path"]).get("video", 0)
        h.log(f"{key}: {got} of {sent} video frames in {os.path.basename(seg['path'])}")
        h.check(got >= 0.95 * sent, f"{key}: {got} video frames recorded, want >= 95% of {sent}")
        ru.check_order(ing, f"live/{key}", key)
        ing.stop()


if __name__ == "__main__":
    h.run(main)
