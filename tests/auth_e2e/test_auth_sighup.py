#!/usr/bin/env python3
"""-auth-file reloaded on SIGHUP changes who may publish next,
while an existing publish (and its player) goes on.

File {live/a: ta, live/c: tc}: A publishes live/a and a player watches it; live/c with tc
publishes. The file becomes {live/b: tb}; SIGHUP; the reload is logged. Now live/b with
tb publishes and live/c with tc is refused (auth_failed); A and its player go on (frames
keep arriving, no publish_stop/play_stop for live/a until A ends). Then the file is
broken (invalid JSON); SIGHUP logs an error and keeps the map: live/b still publishes,
live/c is still refused.
"""

import json
import os
import re
import signal
import auth_common as a
from auth_common import h

TA, TB, TC = "tokA-91f3", "tokB-27c8", "tokC-5d06"


def write_file(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def short_publish(ctx, server, url, key, name):
    """A 2 s publish that must be accepted and end cleanly."""
    evs = server.events()
    n_before = len(a.of_type(evs, "publish_stop", key))
    fails_before = len(a.of_type(evs, "auth_failed", key))
    pub = a.publisher(ctx, url, name, duration=2)
    code = pub.wait(60)
    h.check(code == 0, f"{name}: publish to {key} exited {code}; see {pub.proc.stderr_path}")
    a.wait_event(server, "publish_stop", key, timeout=30, count=n_before + 1)
    h.check(len(a.of_type(server.events(), "auth_failed", key)) == fails_before,
            f"{name}: auth_failed for {key}")


def refused(ctx, server, url, key, name):
    """A publish that must be refused: one auth_failed, nothing started."""
    evs = server.events()
    before = len(evs)
    open_conns = {e["conn_id"] for e in a.of_type(evs, "connection_accept")} - \
        {e["conn_id"] for e in a.of_type(evs, "connection_close")}
    pub = a.publisher(ctx, url, name, duration=2)
    code = pub.wait(60)
    h.check(code != 0, f"{name}: publish to {key} exited 0, want refused")

    def settled():
        new = server.events()[before:]
        opened = {e["conn_id"] for e in a.of_type(new, "connection_accept")} - open_conns
        closed = {e["conn_id"] for e in a.of_type(new, "connection_close")}
        return new if opened and opened <= closed else None
    new = h.wait_for(settled, 30, f"{name}: the refused connection's close")
    fails = a.of_type(new, "auth_failed")
    h.check(len(fails) == 1 and fails[0]["stream_key"] == key and
            fails[0]["data"].get("action") == "publish" and fails[0]["data"].get("error") and
            a.REMOTE_ADDR.match(str(fails[0]["data"].get("remote_addr", ""))),
            f"{name}: want one auth_failed publish {key}, got {fails}")
    started = [e for e in new if e["type"] in ("stream_create", "publish_start") and
               e["conn_id"] == fails[0]["conn_id"]]
    h.check(not started, f"{name}: refused publish started: {started}")
    h.log(f"{name}: refused, auth_failed error={fails[0]['data']['error']!r}")


def check_a_alive(server, pub_a, play_a, what):
    h.check(pub_a.proc.running(), f"{what}: publisher A ended")
    h.check(play_a.running(), f"{what}: A's player ended ({play_a.poll()})")
    evs = server.events()
    for kind in ("publish_stop", "play_stop"):
        h.check(not a.of_type(evs, kind, "live/a"), f"{what}: {kind} for live/a")
    n = a.player_frames(play_a)
    h.wait_for(lambda: a.player_frames(play_a) >= n + 15, 30,
               f"{what}: A's player to get 15 more frames (has {n})")
    h.log(f"{what}: A still publishing, its player at {a.player_frames(play_a)} frames")


def main(ctx):
    a.require_ingest()
    path = ctx.path("auth.json")
    write_file(path, json.dumps({"live/a": TA, "live/c": TC}))
    server = h.Ingest(ctx, args=["-auth-mode", "file", "-auth-file", path])
    base = f"rtmp://127.0.0.1:{server.port}/live"

    pub_a = a.publisher(ctx, f"{base}/a?token={TA}", "pub_a")
    a.wait_event(server, "publish_start", "live/a", timeout=60)
    play_a = a.player(ctx, f"{base}/a?token={TA}", "play_a")
    h.wait_for(lambda: a.player_frames(play_a) >= 15, 60, "A's player to get 15 frames")
    short_publish(ctx, server, f"{base}/c?token={TC}", "live/c", "pub_c_before")
    refused(ctx, server, f"{base}/b?token={TB}", "live/b", "pub_b_before")

    # Edit: live/a and live/c out, live/b in.
    write_file(path, json.dumps({"live/b": TB}))
    server.proc.send_signal(signal.SIGHUP)
    server.proc.wait_line(r"auth file \S+ reloaded: 1 entries", 30, stream="stdout")
    h.log("reload 1 logged")
    short_publish(ctx, server, f"{base}/b?token={TB}", "live/b", "pub_b_after")
    refused(ctx, server, f"{base}/c?token={TC}", "live/c", "pub_c_after")
    check_a_alive(server, pub_a, play_a, "after the reload")

    # Broken file: the old map (live/b only) stays, with an error logged.
    write_file(path, '{"live/c": "tc", ')
    server.proc.send_signal(signal.SIGHUP)
    m = server.proc.wait_line(r".*auth file not reloaded.*", 30, stream="stdout")
    h.check(re.search(r'"level":\s*"error"|\[error\]|\bERROR\b', m.group(0)),
            f"broken-file line not at error level: {m.group(0)}")
    h.log(f"broken file logged: {m.group(0)[:200]}")
    short_publish(ctx, server, f"{base}/b?token={TB}", "live/b", "pub_b_broken")
    refused(ctx, server, f"{base}/c?token={TC}", "live/c", "pub_c_broken")
    check_a_alive(server, pub_a, play_a, "after the broken reload")

    # A ends on its own terms: exactly one publish_stop, after everything else.
    code = pub_a.quit()
    h.check(code == 0, f"publisher A exit status {code} after 'q'")
    a.wait_event(server, "publish_stop", "live/a", timeout=30)
    h.stop_player(play_a, play_a.flv_path, timeout=30)
    evs = server.events()
    h.check(len(a.of_type(evs, "publish_stop", "live/a")) == 1, "publish_stop count for live/a")
    h.check(len(a.of_type(evs, "publish_start", "live/a")) == 1, "publish_start count for live/a")
    sent = pub_a.packets_muxed().get("video") or pub_a.frames()
    got = h.packet_counts(play_a.flv_path).get("video", 0)
    h.log(f"A sent {sent} video frames, its player recorded {got}")
    h.check(got >= 0.8 * (sent - 60), f"A's player recorded {got} of {sent} frames")
    server.stop()
    a.check_secrets_absent(server, [TA, TB, TC])


if __name__ == "__main__":
    h.run(main)
