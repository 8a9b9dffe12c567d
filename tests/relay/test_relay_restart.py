#!/usr/bin/env python3
"""A relays to B (a second rtmp-ingest); B is SIGKILLed ~5 s into the stream and
started again on the same port ~5 s later. A reconnects within its backoff bound
(the relay_start comes at most the largest retry_in_sec it announced after B is
back, plus slack); a player that joins B after the restart starts on a keyframe
and decodes cleanly; A's relay events are relay_start, relay_stop (reason
disconnect), relay_error..., relay_start, relay_stop (reason source), each start
with one stop, all between publish_start and publish_stop.
"""

import signal
import time

import relay_util as u
from relay_util import h

FPS = 30
GOP = 30
KILL_AFTER = 5   # s of stream
DOWN_FOR = 5     # s
RECORD = 3       # s the late player records
SLACK = 2.0      # s for process start and polling on a loaded machine


def main(ctx):
    b = h.Ingest(ctx, name="b")
    port = b.port
    a = h.Ingest(ctx, name="a", args=["-relay-to", f"rtmp://127.0.0.1:{port}/live"])
    pub = h.Publisher(ctx, a.url("cam"), duration=KILL_AFTER + DOWN_FOR + 40, gop=GOP)
    u.wait_relay_events(a, "relay_start", 1, 30)
    pub.wait_frames(KILL_AFTER * FPS, 60)

    b.proc.stop(signal.SIGKILL, 10)
    killed = time.monotonic()
    h.log("B killed")
    u.wait_relay_events(a, "relay_error", 1, 30)
    # B stays down DOWN_FOR s; meanwhile A keeps retrying.
    h.wait_for(lambda: time.monotonic() - killed >= DOWN_FOR, DOWN_FOR + 5, "B's downtime")
    b2 = h.Ingest(ctx, name="b2", port=port)
    up = time.monotonic()
    errors_before = u.relay_events(a, ("relay_error",))
    bound = max(e["data"]["retry_in_sec"] for e in errors_before)
    starts = u.wait_relay_events(a, "relay_start", 2, bound + 30, "A to reconnect")
    took = time.monotonic() - up
    h.log(f"A reconnected {took:.2f} s after B was back; largest retry_in_sec {bound:.2f}")
    h.check(took <= bound + SLACK,
            f"reconnect {took:.2f} s after B was back, backoff bound {bound:.2f} s")
    h.check(bound <= 30.0, f"retry_in_sec {bound} above the 30 s cap")
    h.check(len(starts) == 2, f"relay_starts: {len(starts)}")

    late_out = ctx.path("late.flv")
    player = h.ffmpeg_player(ctx, b2.url("cam"), "late.flv", duration=RECORD)
    code = player.wait_exit(60)
    h.check(code == 0, f"late player exit status {code}; see {player.stderr_path}")
    key, flags, pts = h.first_video_packet_is_key(late_out)
    h.check(key, f"late player's first video packet is not a keyframe ({flags!r} at {pts})")
    key, frame = h.first_video_frame_is_key(late_out)
    h.check(key, f"late player's first decoded frame is not a keyframe: {frame}")
    errors = h.decode_errors(late_out)
    h.check(errors == "", f"late player's recording has decode errors:\n{errors[:2000]}")
    counts = h.packet_counts(late_out)
    h.check(counts.get("video", 0) >= (RECORD - 1) * FPS, f"late player got {counts}")

    code = pub.quit()
    h.check(code == 0, f"publisher exit status {code}; see {pub.proc.stderr_path}")
    u.wait_relay_events(a, "relay_stop", 2, 30)
    h.wait_for(lambda: any(e["type"] == "publish_stop" for e in a.events()), 30, "publish_stop")
    relays = u.check_relay_pairing(a, "live/cam")
    kinds = [e["type"] for e in relays]
    h.log(f"relay events: {kinds}")
    h.check(kinds[:2] == ["relay_start", "relay_stop"] and kinds[-2:] == ["relay_start", "relay_stop"]
            and kinds.count("relay_start") == 2 and len(kinds) >= 5
            and all(k == "relay_error" for k in kinds[2:-2]),
            f"relay events in order start, stop, error..., start, stop: {kinds}")
    h.check(relays[1]["data"]["reason"] == "disconnect", f"first stop: {relays[1]['data']}")
    h.check(relays[-1]["data"]["reason"] == "source", f"last stop: {relays[-1]['data']}")
    attempts = [e["data"]["attempt"] for e in relays if e["type"] == "relay_error"]
    h.check(attempts == list(range(1, len(attempts) + 1)), f"attempts {attempts}")
    a.stop()
    b2.stop()


if __name__ == "__main__":
    h.run(main)
