#!/usr/bin/env python3
"""A player joining 5 s into a stream with a 2 s GOP gets its first
video frame as a keyframe, and its recording decodes with no errors.

The ffmpeg player records with -copyinkf (stream copy otherwise drops packets before the
first keyframe and would hide the fault); an rtmpdump player records the raw FLV too.
Against nginx-rtmp (no GOP cache) the player starts at the next keyframe instead; the
test passes there too, only later. (Checked to fail on a recording cut mid-GOP.)
"""

import harness as h

FPS = 30
GOP = 60          # 2 s
JOIN_AFTER = 5    # s
RECORD = 3        # s


def main(ctx):
    server = h.start_server(ctx, wait_key=True)
    url = server.url("late")

    pub = h.Publisher(ctx, url, duration=JOIN_AFTER + RECORD + 12, gop=GOP)
    # Join 5 s (150 frames) into the stream: mid-GOP (frame 150 is 30 frames past a
    # keyframe at 120).
    pub.wait_frames(JOIN_AFTER * FPS, 60)
    h.log(f"publisher at frame {pub.frames()}; players join")

    ff = h.ffmpeg_player(ctx, url, "late_ffmpeg.flv", duration=RECORD)
    dump = h.rtmpdump_player(ctx, url, "late_rtmpdump.flv")
    code = ff.wait_exit(60)
    h.check(code == 0, f"ffmpeg player exit status {code}; see {ff.stderr_path}")
    # rtmpdump has no duration limit: stop it once it has as much as the ffmpeg player.
    h.wait_for(lambda: h.file_size(ctx.path("late_rtmpdump.flv"))
               >= 0.9 * h.file_size(ctx.path("late_ffmpeg.flv")), 30, "rtmpdump recording")
    h.stop_player(dump, ctx.path("late_rtmpdump.flv"), timeout=0)
    h.check(pub.proc.running(), "publisher ended before the late players finished")

    for name in ("late_ffmpeg.flv", "late_rtmpdump.flv"):
        path = ctx.path(name)
        h.check(h.file_size(path) > 0, f"{name}: empty recording")
        counts = h.packet_counts(path)
        h.log(f"{name}: {counts}")
        h.check(counts.get("video", 0) >= (RECORD - 0.5) * FPS * 0.9,
                f"{name}: only {counts.get('video', 0)} video frames in a {RECORD} s recording")
        key, flags, pts = h.first_video_packet_is_key(path)
        h.check(key, f"{name}: first video packet is not a keyframe (flags {flags!r}, pts {pts})")
        key, frame = h.first_video_frame_is_key(path)
        h.check(key, f"{name}: first decoded video frame is not a keyframe: {frame}")
        errors = h.decode_errors(path)
        h.check(errors == "", f"{name}: decode errors:\n{errors[:2000]}")

    code = pub.quit()
    h.check(code == 0, f"publisher exit status {code} (stream broken?); see {pub.proc.stderr_path}")
    server.stop()


if __name__ == "__main__":
    h.run(main)
