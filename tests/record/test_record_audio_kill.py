#!/usr/bin/env python3
"""An audio-only recording is on disk as it goes, not only at its end.

One ffmpeg (its tee muxer) publishes AAC alone to two rtmp-ingests, one
recording FLV, the other fragmented MP4. Both are SIGKILLed once 8 s of audio
went out. Each .part must hold at least the audio up to 2 s before the kill
(a stream without video has no keyframes to flush at: the files are put on
disk about every second of media)."""

import os
import re
import signal

import record_util as ru
from record_util import h

KILL_AT_S = 8
AAC_PACKETS_PER_S = 48000 / 1024


def main(ctx):
    ingests, outs = ru.flv_and_mp4_ingests(ctx, "radio")
    progress = ctx.path("publisher.progress")
    pub = ctx.proc("publisher", [
        "ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y",
        "-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "30",
        "-c:a", "aac", "-b:a", "96k", "-ar", "48000", "-map", "0:a",
        "-progress", progress, "-flags", "+global_header", "-f", "tee", outs])

    def sent_s():
        vals = re.findall(r"^out_time_us=(\d+)", h.read_text(progress), re.M)
        return int(vals[-1]) / 1e6 if vals else 0.0

    for i in ingests.values():
        ru.wait_event(i, "recording_start")
    h.wait_for(lambda: sent_s() >= KILL_AT_S or (pub.poll() is not None and h.fail(
        f"publisher exited {pub.poll()}; see {pub.stderr_path}")), 90, f"{KILL_AT_S} s sent")
    sent = sent_s()
    for i in ingests.values():
        i.proc.send_signal(signal.SIGKILL)
    for i in ingests.values():
        i.proc.wait_exit(10)
    pub.stop(signal.SIGKILL, 10)
    want = int((sent - 2) * AAC_PACKETS_PER_S)
    h.log(f"killed after {sent:.1f} s of audio; want >= {want} packets on disk")
    for fmt in ingests:
        parts = ru.files(ctx.path(f"rec_{fmt}"), f"{fmt}.part")
        h.check(len(parts) == 1, f"{fmt}: files on disk {os.listdir(ctx.path(f'rec_{fmt}'))}")
        size = os.path.getsize(parts[0])
        got = h.packet_counts(parts[0]).get("audio", 0) if size > 1024 else 0
        h.log(f"{fmt}: {got} audio packets readable in {os.path.basename(parts[0])} "
              f"({size} bytes)")
        h.check(got >= want, f"{fmt}: {got} audio packets on disk, want >= {want} "
                f"(all but the last 2 s before the kill)")


if __name__ == "__main__":
    h.run(main)
