#!/usr/bin/env python3
"""An ffmpeg player of a live ffmpeg publish logs no warning about the server's replies.

ffmpeg asks getStreamLength before play and reads the answer's fourth value as a number;
anything else (an undefined value, as this server once sent) makes it log "Unexpected
reply on getStreamLength()". The player records 3 s at -v debug; its log must hold no
such line (nor any "Unexpected reply"), and the recording must hold the stream, so the
check is not passed by a player that never got that far. (Checked to fail, with the
warning in the player's log, against the server that answered undefined.)
"""

import re

import harness as h

RECORD = 3  # s


def main(ctx):
    server = h.start_server(ctx)
    url = server.url("warn")
    pub = h.Publisher(ctx, url, duration=RECORD + 20, size="640x360")
    pub.wait_frames(30, 60)

    ff = h.ffmpeg_player(ctx, url, "warn.flv", duration=RECORD)
    code = ff.wait_exit(60)
    h.check(code == 0, f"ffmpeg player exit status {code}; see {ff.stderr_path}")
    log_text = ff.stderr()
    h.check("Sending play command" in log_text, f"the player never sent play; see {ff.stderr_path}")
    unexpected = re.findall(r"^.*Unexpected reply.*$", log_text, re.M)
    h.check(not unexpected, f"the player warned: {unexpected}")
    counts = h.packet_counts(ctx.path("warn.flv"))
    h.log(f"player recording: {counts}; no 'Unexpected reply' in its log")
    h.check(counts.get("video", 0) > 0 and counts.get("audio", 0) > 0,
            f"player recording lacks audio or video: {counts}")

    code = pub.quit()
    h.check(code == 0, f"publisher exit status {code}; see {pub.proc.stderr_path}")
    server.stop()


if __name__ == "__main__":
    h.run(main)
