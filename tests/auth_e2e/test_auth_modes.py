#!/usr/bin/env python3
"""Each auth mode (token, file, callback) with real ffmpeg.

Per mode: a missing and a wrong token make ffmpeg's publish fail (non-zero exit), each
with exactly one auth_failed (action publish, error, remote_addr 127.0.0.1:port,
stream_key live/test) and no stream_create/publish_start; then the right token
publishes, a player with the right token records frames, a player with a wrong token
fails with auth_failed action play. Neither token appears in the ingest's log or
events. Callback mode: the receiver got {action, app, stream_name, stream_key, token,
remote_addr} for every attempt, and its answers decided.
"""

import json
import auth_common as a
from auth_common import h

KEY = "live/test"
GOOD = "s3cret"
WRONG = "wr0ngT0ken"


def run_mode(ctx, mode):
    receiver = None
    if mode == "token":
        args = ["-auth-mode", "token", "-auth-token", f"{KEY}={GOOD}"]
    elif mode == "file":
        path = ctx.path("auth.json")
        with open(path, "w") as f:
            json.dump({KEY: GOOD}, f)
        args = ["-auth-mode", "file", "-auth-file", path]
    else:
        receiver = a.CallbackReceiver(
            lambda body: (204 if body.get("token") == GOOD else 403, 0))
        args = ["-auth-mode", "callback", "-auth-callback", receiver.url]
    server = h.Ingest(ctx, args=args, name=f"ingest_{mode}")
    try:
        base = f"rtmp://127.0.0.1:{server.port}/{KEY}"

        # Refused publishes: no token, then a wrong one.
        for label, url in (("missing", base), ("wrong", f"{base}?token={WRONG}")):
            before = len(a.settle_connections(server))
            a.refused_publish(ctx, url, f"{mode}_pub_{label}")
            a.check_refusal(server, before, "publish", KEY, f"{mode}: {label}-token publish")
        h.check(not a.of_type(server.events(), "stream_create"),
                f"{mode}: stream_create before any accepted publish")

        # The right token publishes and plays.
        pub = a.publisher(ctx, f"{base}?token={GOOD}", f"{mode}_pub_good")
        a.wait_event(server, "publish_start", KEY, timeout=60)
        pub.wait_frames(15, 60)
        play = a.player(ctx, f"{base}?token={GOOD}", f"{mode}_play_good", duration=1.5)
        code = play.wait_exit(60)
        h.check(code == 0, f"{mode}: player with the right token exited {code}; "
                           f"see {play.stderr_path}")
        frames = h.packet_counts(play.flv_path).get("video", 0)
        h.check(frames >= 10, f"{mode}: player recorded {frames} video frames, want >= 10")
        h.log(f"{mode}: player with the right token recorded {frames} video frames")
        a.wait_event(server, "play_stop", KEY, timeout=30)

        # A wrong token for play, while the stream is live.
        before = len(server.events())
        a.refused_play(ctx, f"{base}?token={WRONG}", f"{mode}_play_wrong")
        h.check(pub.proc.running(), f"{mode}: the publisher ended during the refused play")
        code = pub.quit()
        h.check(code == 0, f"{mode}: publisher exit status {code} after 'q'")
        a.check_refusal(server, before, "play", KEY, f"{mode}: wrong-token play")

        evs = server.events()
        h.check(len(a.of_type(evs, "publish_start", KEY)) == 1,
                f"{mode}: {len(a.of_type(evs, 'publish_start', KEY))} publish_start, want 1")
        h.check(len(a.of_type(evs, "play_start", KEY)) == 1,
                f"{mode}: {len(a.of_type(evs, 'play_start', KEY))} play_start, want 1")
        h.check(len(a.of_type(evs, "auth_failed")) == 3,
                f"{mode}: {len(a.of_type(evs, 'auth_failed'))} auth_failed in all, want 3")
        server.stop()
        a.check_secrets_absent(server, [GOOD, WRONG])
        if receiver:
            check_callbacks(server, receiver)
    finally:
        if receiver:
            receiver.close()


def check_callbacks(server, receiver):
    """Three publish and two play callbacks, in order, each with exactly the six fields."""
    reqs = receiver.snapshot()
    accepts = {e["data"].get("remote_addr") for e in a.of_type(server.events(), "connection_accept")}
    want = [("publish", ""), ("publish", WRONG), ("publish", GOOD), ("play", GOOD), ("play", WRONG)]
    got = [(r["body"].get("action"), r["body"].get("token")) for r in reqs]
    h.check(got == want, f"callback requests {got}, want {want}")
    for r in reqs:
        body = r["body"]
        h.check(set(body) == a.CALLBACK_FIELDS, f"callback body fields {sorted(body)}, "
                                                f"want {sorted(a.CALLBACK_FIELDS)}: {body}")
        h.check(body["app"] == "live" and body["stream_name"] == "test" and
                body["stream_key"] == KEY, f"callback body names: {body}")
        h.check(a.REMOTE_ADDR.match(body["remote_addr"]) and body["remote_addr"] in accepts,
                f"callback remote_addr {body['remote_addr']!r} is no accepted connection's")
        h.check(r["content_type"].startswith("application/json"),
                f"callback Content-Type {r['content_type']!r}")
        h.check(r["status"] == (204 if body["token"] == GOOD else 403), f"answer {r}")
    h.log(f"callback: {len(reqs)} requests, bodies e.g. {json.dumps(reqs[2]['body'])}")


def main(ctx):
    a.require_ingest()
    for mode in ("token", "file", "callback"):
        h.log(f"---- mode {mode}")
        run_mode(ctx, mode)


if __name__ == "__main__":
    h.run(main)
