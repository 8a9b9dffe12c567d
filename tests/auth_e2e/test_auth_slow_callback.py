#!/usr/bin/env python3
"""A slow auth callback blocks nobody else.

The receiver answers live/slow after 4 s and everything else at once. While client 1's
publish on live/slow is pending, client 2 publishes live/a and client 3 plays it: both
are accepted, and the player gets frames, before the slow decision, each within a
short time of its own callback; then the slow publish is accepted too (4 s < the 5 s
default -auth-callback-timeout).
"""

import time
import auth_common as a
from auth_common import h

SLOW_DELAY = 4.0
TOKEN = "s3cret"
PROMPT = 1.5  # seconds from a client's callback arriving to its start event being seen
FIRST_FRAME = 3.0  # ... to the player's first frame (all inside the 4 s the slow one waits)


def main(ctx):
    a.require_ingest()
    receiver = a.CallbackReceiver(lambda body: (
        (200 if body.get("token") == TOKEN else 403),
        SLOW_DELAY if body.get("stream_key") == "live/slow" else 0))
    try:
        server = h.Ingest(ctx, args=["-auth-mode", "callback", "-auth-callback", receiver.url])
        base = f"rtmp://127.0.0.1:{server.port}/live"

        slow = a.publisher(ctx, f"{base}/slow?token={TOKEN}", "pub_slow")
        slow_req = h.wait_for(lambda: receiver.for_key("live/slow"), 60,
                              "the slow publish's callback")[0]
        h.log("slow callback pending; starting client 2 (publish live/a)")

        t_pub = time.monotonic()
        pub = a.publisher(ctx, f"{base}/a?token={TOKEN}", "pub_a")
        a.wait_event(server, "publish_start", "live/a", timeout=30)
        t_pub_start = time.monotonic()
        pub_req = receiver.for_key("live/a", "publish")[0]
        h.log(f"live/a publish_start {t_pub_start - t_pub:.2f}s after ffmpeg started, "
              f"{t_pub_start - pub_req['t_in']:.2f}s after its callback arrived")

        t_play = time.monotonic()
        play = a.player(ctx, f"{base}/a?token={TOKEN}", "play_a")
        a.wait_event(server, "play_start", "live/a", timeout=30)
        t_play_start = time.monotonic()
        h.wait_for(lambda: a.player_frames(play) >= 1 or
                   (not play.running() and h.fail(f"player exited {play.poll()}; "
                                                  f"see {play.stderr_path}")),
                   30, "the live/a player's first frame")
        t_frame = time.monotonic()
        play_req = receiver.for_key("live/a", "play")[0]
        h.log(f"live/a play_start {t_play_start - play_req['t_in']:.2f}s after its callback "
              f"arrived")
        h.log(f"live/a player: first frame {t_frame - t_play:.2f}s after it started, "
              f"{t_frame - play_req['t_in']:.2f}s after its callback arrived")

        # All of that while the slow callback was still unanswered.
        if slow_req["t_out"] is not None:
            h.fail(f"the slow callback was answered {slow_req['t_out'] - slow_req['t_in']:.2f}s "
                   f"after it arrived, before clients 2 and 3 were through: they were delayed")
        h.check(not a.of_type(server.events(), "publish_start", "live/slow"),
                "live/slow accepted before the other clients were through")
        h.check(t_pub_start - pub_req["t_in"] <= PROMPT,
                f"live/a publish_start {t_pub_start - pub_req['t_in']:.2f}s after its callback, "
                f"want <= {PROMPT}s")
        h.check(t_play_start - play_req["t_in"] <= PROMPT,
                f"live/a play_start {t_play_start - play_req['t_in']:.2f}s after its callback, "
                f"want <= {PROMPT}s")
        # ffmpeg probes the stream (~1.2 s even on an idle machine) before it counts a frame.
        h.check(t_frame - play_req["t_in"] <= FIRST_FRAME,
                f"live/a first played frame {t_frame - play_req['t_in']:.2f}s after its "
                f"callback, want <= {FIRST_FRAME}s")
        h.log(f"slow callback still pending {time.monotonic() - slow_req['t_in']:.2f}s "
              f"after it arrived")

        # Then the slow one is decided (allowed) and publishes.
        a.wait_event(server, "publish_start", "live/slow", timeout=30)
        h.check(slow_req["t_out"] is not None and
                slow_req["t_out"] - slow_req["t_in"] >= SLOW_DELAY - 0.1,
                f"slow request record {slow_req}")
        slow.wait_frames(slow.frames() + 15, 30)
        evs = server.events()
        seq = {k: a.of_type(evs, "publish_start", k)[0]["seq"] for k in ("live/a", "live/slow")}
        play_seq = a.of_type(evs, "play_start", "live/a")[0]["seq"]
        h.check(seq["live/a"] < seq["live/slow"] and play_seq < seq["live/slow"],
                f"event order: publish_start live/a seq {seq['live/a']}, play_start live/a "
                f"seq {play_seq}, publish_start live/slow seq {seq['live/slow']}")
        h.check(not a.of_type(evs, "auth_failed"), f"auth_failed: {a.of_type(evs, 'auth_failed')}")

        play.stop()
        for p in (pub, slow):
            code = p.quit()
            h.check(code == 0, f"{p.name} exit status {code} after 'q'")
        a.wait_event(server, "publish_stop", "live/slow", timeout=30)
        server.stop()
    finally:
        receiver.close()


if __name__ == "__main__":
    h.run(main)
