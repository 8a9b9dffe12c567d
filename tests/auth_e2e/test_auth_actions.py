#!/usr/bin/env python3
"""Auth fails closed, and -auth-actions leaves players open on purpose.

1. -auth-token without -auth-mode implies token mode, and -auth-actions
   publish checks publishers only (the usual nginx-rtmp setup): a publish with
   no token is refused (auth_failed), the right token publishes, and a player
   with no token records frames.
2. -auth-file without -auth-mode implies file mode, default actions
   (publish,play): a publish with no token is refused, the right token
   publishes, and a player with no token is refused (auth_failed action play).
"""

import json

import auth_common as a
from auth_common import h

KEY = "live/test"
GOOD = "s3cret"


def publish_checked(ctx, server, tag):
    base = f"rtmp://127.0.0.1:{server.port}/{KEY}"
    before = len(a.settle_connections(server))
    a.refused_publish(ctx, base, f"{tag}_pub_none")
    a.check_refusal(server, before, "publish", KEY, f"{tag}: publish without a token")
    pub = a.publisher(ctx, f"{base}?token={GOOD}", f"{tag}_pub_good")
    a.wait_event(server, "publish_start", KEY, timeout=60)
    pub.wait_frames(15, 60)
    return base, pub


def token_publish_only(ctx):
    server = h.Ingest(ctx, name="ingest_token", args=[
        "-auth-token", f"{KEY}={GOOD}", "-auth-actions", "publish"])
    server.proc.wait_line(r"auth: token mode, checking publish\b", 30, stream="stdout")
    base, pub = publish_checked(ctx, server, "token")
    play = a.player(ctx, base, "token_play_open", duration=1.5)
    code = play.wait_exit(60)
    h.check(code == 0, f"player without a token exited {code} under -auth-actions publish; "
                       f"see {play.stderr_path}")
    frames = h.packet_counts(play.flv_path).get("video", 0)
    h.check(frames >= 10, f"open player recorded {frames} video frames, want >= 10")
    a.wait_event(server, "play_start", KEY)
    h.check(pub.quit() == 0, "publisher exit status after 'q'")
    evs = a.settle_connections(server)
    h.check(len(a.of_type(evs, "auth_failed")) == 1,
            f"{len(a.of_type(evs, 'auth_failed'))} auth_failed, want 1 (the publish)")
    server.stop()
    h.log(f"token mode implied; publish checked, player open ({frames} frames)")


def file_publish_and_play(ctx):
    path = ctx.path("auth.json")
    with open(path, "w") as f:
        json.dump({KEY: GOOD}, f)
    server = h.Ingest(ctx, name="ingest_file", args=["-auth-file", path])
    server.proc.wait_line(r"auth: file mode, checking publish,play", 30, stream="stdout")
    base, pub = publish_checked(ctx, server, "file")
    before = len(server.events())
    a.refused_play(ctx, base, "file_play_none")
    h.check(pub.quit() == 0, "publisher exit status after 'q'")
    a.check_refusal(server, before, "play", KEY, "file: play without a token")
    server.stop()
    h.log("file mode implied; publish and play checked")


def main(ctx):
    a.require_ingest()
    token_publish_only(ctx)
    file_publish_and_play(ctx)


if __name__ == "__main__":
    h.run(main)
