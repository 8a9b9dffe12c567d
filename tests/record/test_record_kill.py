#!/usr/bin/env python3
"""rtmp-ingest SIGKILLed 12 s into a recording: what is on disk (FLV from one ingest,
fragmented MP4 from another, both fed by one ffmpeg through its tee muxer) is readable
by ffprobe up to at least the last keyframe before the kill."""

import os
import signal

import record_util as ru
from record_util import h

GOP = 60  # frames: 2 s at 30 fps
KILL_AT = 12 * 30 + 15  # frames encoded: half a second past the keyframe at 12 s


def main(ctx):
    ingests, outs = ru.flv_and_mp4_ingests(ctx, "show")
    progress = ctx.path("publisher.progress")
    pub = ctx.proc("publisher", [
        "ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y",
        "-re", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30",
        "-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "30",
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
        "-g", str(GOP), "-keyint_min", str(GOP), "-b:v", "600k", "-c:a", "aac", "-b:a", "96k",
        "-map", "0:v", "-map", "1:a", "-progress", progress, "-flags", "+global_header",
        "-f", "tee", outs])

    def frames():
        import re
        vals = re.findall(r"^frame=(\d+)", h.read_text(progress), re.M)
        return int(vals[-1]) if vals else 0

    for i in ingests.values():
        ru.wait_event(i, "recording_start")
    h.wait_for(lambda: frames() >= KILL_AT or (pub.poll() is not None and h.fail(
        f"publisher exited {pub.poll()}; see {pub.stderr_path}")), 90, f"{KILL_AT} frames sent")
    sent = frames()
    for i in ingests.values():
        i.proc.send_signal(signal.SIGKILL)
    for i in ingests.values():
        i.proc.wait_exit(10)
    last_key = (sent - 1) // GOP * GOP  # index of the last keyframe sent before the kill
    h.log(f"killed after {sent} frames; last keyframe before the kill: frame {last_key}")
    pub.stop(signal.SIGKILL, 10)

    for fmt, i in ingests.items():
        parts = ru.files(ctx.path(f"rec_{fmt}"), f"{fmt}.part")
        h.check(len(parts) == 1, f"{fmt}: files on disk {os.listdir(ctx.path(f'rec_{fmt}'))}")
        names = h.codec_names(parts[0])
        h.check(names.get("video") == "h264", f"{fmt}: ffprobe finds {names} in {parts[0]}")
        got = ru.video_frames(parts[0])
        h.log(f"{fmt}: {got} video frames readable in {os.path.basename(parts[0])} "
              f"({os.path.getsize(parts[0])} bytes)")
        h.check(got >= last_key, f"{fmt}: {got} frames readable, want >= {last_key} (all up to "
                f"the last keyframe before the kill)")
        key, frame = h.first_video_frame_is_key(parts[0])
        h.check(key, f"{fmt}: first frame not a keyframe: {frame}")


if __name__ == "__main__":
    h.run(main)
