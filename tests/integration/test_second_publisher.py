#!/usr/bin/env python3
"""A second publisher on a busy stream key is refused
(NetStream.Publish.BadName; ffmpeg exits non-zero, the server logs the refusal) and the
first stream is undisturbed: its publisher ends cleanly and a player of it records
>= 95% of the frames sent, at the frame rate sent. The refused connection's
connection_close carries the key it asked for."""

import re
import harness as h

DURATION = 12
FPS = 30


def main(ctx):
    server = h.start_server(ctx)
    url = server.url("busy")

    player = h.rtmpdump_player(ctx, url, "player.flv")
    player.wait_line(r"Starting Live Stream", 30)

    first = h.Publisher(ctx, url, name="publisher1", duration=DURATION, gop=60)
    first.wait_frames(2 * FPS, 60)
    if isinstance(server, h.Ingest):
        h.wait_for(lambda: count(server.events(), "publish_start") == 1, 30,
                   "publish_start of the first publisher")

    second = h.Publisher(ctx, url, name="publisher2", duration=5, gop=60)
    code = second.wait(60)
    out = second.proc.stderr()
    h.log(f"second publisher exit status {code}")
    h.check(code != 0, f"second publisher exit status 0: it was not refused; "
            f"see {second.proc.stderr_path}")
    # ffmpeg logs the server's onStatus error (description or code).
    h.check(re.search(r"(?i)server error|badname|already publishing", out),
            f"second publisher shows no server refusal; see {second.proc.stderr_path}")
    h.check(second.frames() < 3 * FPS,
            f"second publisher sent {second.frames()} frames before failing")
    h.check(first.proc.running(), "first publisher ended when the second one was refused")

    if isinstance(server, h.Ingest):
        h.wait_for(lambda: re.search(r"(?i)badname|already|refus|busy|in use",
                                     server.log_text()), 30,
                   "rtmp-ingest to log the refused publish")
        evs = server.events()
        h.check(count(evs, "publish_start") == 1,
                f"{count(evs, 'publish_start')} publish_start events, want 1 "
                f"(the refused publisher must not start)")
        h.check(count(evs, "publish_stop") == 0,
                "a publish_stop fired while the first publisher was still publishing")
        # The refused connection's close names the key it asked for.
        first_conn = next(e["conn_id"] for e in evs if e["type"] == "publish_start")
        closes = h.wait_for(lambda: [e for e in server.events() if e["type"] == "connection_close"
                                     and e["conn_id"] != first_conn], 30,
                            "the refused publisher's connection_close")
        h.check(closes[0]["stream_key"] == "live/busy",
                f"the refused publisher's connection_close: {closes[0]}")
    else:
        h.check(re.search(r"(?i)already publishing|badname", server.log_text()),
                "nginx-rtmp did not log the refused publish")

    code = first.wait(DURATION * 6 + 30)
    h.check(code == 0, f"first publisher exit status {code}; see {first.proc.stderr_path}")
    sent = first.packets_muxed()
    sent_video = sent.get("video") or first.frames()
    h.stop_player(player, ctx.path("player.flv"))
    h.check_recording(ctx.path("player.flv"), "player of the first stream",
                               sent_video, sent.get("audio"))
    # Frame rate held: the player's video timestamps run at the rate sent, no holes.
    ts = video_times(ctx.path("player.flv"))
    span = ts[-1] - ts[0] + 1.0 / FPS
    fps = len(ts) / span
    gap = max(b - a for a, b in zip(ts, ts[1:]))
    h.log(f"player: {len(ts)} frames over {span:.2f} s = {fps:.1f} fps, largest gap {gap:.3f} s")
    h.check(abs(fps - FPS) <= FPS * 0.05, f"player frame rate {fps:.1f}, want ~{FPS}")
    h.check(gap <= 0.2, f"player's video has a {gap:.3f} s hole")
    server.stop()


def count(events, etype):
    return sum(e.get("type") == etype for e in events)


def video_times(path):
    """Sorted video timestamps (s) in the file."""
    code, out, err = h._run(["ffprobe", "-v", "error", "-select_streams", "v:0",
                             "-show_entries", "packet=pts_time", "-of", "csv=p=0", path])
    h.check(code == 0, f"ffprobe {path}: {err[:300]}")
    ts = [float(x) for x in out.split() if x.strip() and x.strip() != "N/A"]
    h.check(len(ts) > 1, f"{path}: no video timestamps")
    return sorted(ts)


if __name__ == "__main__":
    h.run(main)
