#!/usr/bin/env python3
"""`reason` in publish_stop, play_stop and connection_close, each end brought
about by a real client; `remote_addr` and `query` (without the token) in
publish_start and play_start.

One rtmp-ingest in token mode (-idle-timeout 2s, -handshake-timeout 2s), its
JSON events on stderr:
  - ffmpeg publishes live/q?token=good&quality=hd, an ffmpeg player plays
    live/q?token=good&x=1; the player is SIGKILLed (play_stop disconnect),
    the publisher quits with 'q' (it sends FCUnpublish and deleteStream:
    publish_stop client; then it closes the socket: connection_close
    disconnect);
  - ffmpeg publishing live/kill is SIGKILLed: publish_stop and
    connection_close disconnect;
  - a raw socket that sends nothing: connection_close idle_timeout; a raw
    publisher that goes silent after publish: publish_stop idle_timeout;
  - a raw publish with a wrong token: auth_failed, connection_close auth;
  - an ffmpeg publisher and player of live/term when the server gets SIGTERM:
    publish_stop, play_stop and both connection_close shutdown.
Every start event has exactly one stop, and every stop its start.
"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402
import rtmp_raw as r  # noqa: E402

TIMEOUT = r.bound(30)


def by_type(events, type_, key=None):
    return [e for e in events if e["type"] == type_ and (key is None or e["stream_key"] == key)]


def wait_event(server, type_, key=None, conn=None, timeout=TIMEOUT):
    def found():
        evs = [e for e in by_type(server.events(), type_, key)
               if conn is None or e["conn_id"] == conn]
        return evs[0] if evs else None
    return h.wait_for(found, timeout, f"{type_} of {key or conn}")


def conn_events(events, conn):
    return [e for e in events if e["conn_id"] == conn]


def close_of(events, conn):
    closes = by_type(conn_events(events, conn), "connection_close")
    h.check(len(closes) == 1, f"{conn}: {len(closes)} connection_close events")
    return closes[0]["data"]


def accept_addr(events, conn):
    return by_type(conn_events(events, conn), "connection_accept")[0]["data"]["remote_addr"]


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip("lifecycle events are rtmp-ingest's own")
    tokens = []
    for key in ("q", "kill", "raw", "term"):
        tokens += ["-auth-token", f"live/{key}=good"]
    server = h.Ingest(ctx, ["-auth-mode", "token", *tokens, "-idle-timeout", "2s",
                            "-handshake-timeout", "2s"])
    port = server.port

    # ffmpeg publisher and player; the player killed, the publisher quits.
    pub = h.Publisher(ctx, server.url("q?token=good&quality=hd"), name="pub_q", duration=60)
    pub.wait_frames(30, TIMEOUT)
    ps = wait_event(server, "publish_start", "live/q")
    player = h.ffmpeg_player(ctx, server.url("q?token=good&x=1"), "q.flv", name="player_q")
    pl = wait_event(server, "play_start", "live/q")
    h.wait_for(lambda: h.file_size(ctx.path("q.flv")) > 10000, TIMEOUT, "the player to record")
    player.send_signal(signal.SIGKILL)
    play_stop = wait_event(server, "play_stop", "live/q")
    pub.quit()
    pub_stop = wait_event(server, "publish_stop", "live/q")
    wait_event(server, "connection_close", conn=ps["conn_id"])

    # ffmpeg publisher killed.
    kill = h.Publisher(ctx, server.url("kill?token=good"), name="pub_kill", duration=60)
    kill.wait_frames(30, TIMEOUT)
    wait_event(server, "publish_start", "live/kill")
    kill.proc.send_signal(signal.SIGKILL)
    kill_stop = wait_event(server, "publish_stop", "live/kill")

    # Silent raw sockets: one that never speaks, one that publishes and goes quiet.
    silent = r.RawClient(port, timeout=TIMEOUT)
    quiet = r.raw_publisher(port, "raw?token=good", TIMEOUT)
    quiet_start = wait_event(server, "publish_start", "live/raw")
    h.check(quiet.wait_eof(TIMEOUT), "the quiet publisher was not closed")
    h.check(silent.wait_eof(TIMEOUT), "the silent socket was not closed")
    quiet_stop = wait_event(server, "publish_stop", "live/raw")

    # Auth refusal.
    refused = r.raw_publisher(port, "raw?token=bad", TIMEOUT)
    h.check(refused.wait_eof(TIMEOUT), "the refused publisher was not closed")
    failed = h.wait_for(lambda: [e for e in by_type(server.events(), "auth_failed")
                                 if e["data"]["remote_addr"] == refused.addr],
                        TIMEOUT, "auth_failed of the refused publisher")[0]

    # Shutdown with a publisher and a player on.
    term = h.Publisher(ctx, server.url("term?token=good"), name="pub_term", duration=60)
    term.wait_frames(30, TIMEOUT)
    term_start = wait_event(server, "publish_start", "live/term")
    tplayer = h.ffmpeg_player(ctx, server.url("term?token=good"), "term.flv", name="player_term")
    term_play = wait_event(server, "play_start", "live/term")
    h.wait_for(lambda: h.file_size(ctx.path("term.flv")) > 10000, TIMEOUT,
               "the player to record")
    server.stop()
    events = server.events()

    # Starts: remote_addr is the connection's, query lost its token.
    h.check(ps["data"]["remote_addr"] == accept_addr(events, ps["conn_id"]),
            f"publish_start remote_addr {ps['data']}")
    h.check(ps["data"]["query"] == "quality=hd", f"publish_start query {ps['data']}")
    h.check(pl["data"]["remote_addr"] == accept_addr(events, pl["conn_id"]),
            f"play_start remote_addr {pl['data']}")
    h.check(pl["data"]["query"] == "x=1", f"play_start query {pl['data']}")
    h.check(quiet_start["data"]["query"] == "" and
            quiet_start["data"]["remote_addr"] == quiet.addr, f"raw start {quiet_start['data']}")
    for e in events:
        h.check("good" not in str(e["data"].get("query", "")), f"token in an event: {e}")

    expect = [
        ("player killed: play_stop", play_stop["data"]["reason"], "disconnect"),
        ("player killed: connection_close", close_of(events, pl["conn_id"])["reason"],
         "disconnect"),
        ("ffmpeg 'q': publish_stop", pub_stop["data"]["reason"], "client"),
        ("ffmpeg 'q': connection_close", close_of(events, ps["conn_id"])["reason"], "disconnect"),
        ("ffmpeg killed: publish_stop", kill_stop["data"]["reason"], "disconnect"),
        ("ffmpeg killed: connection_close", close_of(events, kill_stop["conn_id"])["reason"],
         "disconnect"),
        ("quiet publisher: publish_stop", quiet_stop["data"]["reason"], "idle_timeout"),
        ("quiet publisher: connection_close", close_of(events, quiet_stop["conn_id"])["reason"],
         "idle_timeout"),
        ("auth refused: connection_close", close_of(events, failed["conn_id"])["reason"], "auth"),
        ("server SIGTERM: publish_stop",
         by_type(events, "publish_stop", "live/term")[0]["data"]["reason"], "shutdown"),
        ("server SIGTERM: play_stop",
         by_type(events, "play_stop", "live/term")[0]["data"]["reason"], "shutdown"),
        ("server SIGTERM: publisher's connection_close",
         close_of(events, term_start["conn_id"])["reason"], "shutdown"),
        ("server SIGTERM: player's connection_close",
         close_of(events, term_play["conn_id"])["reason"], "shutdown"),
    ]
    silent_closes = [e for e in by_type(events, "connection_close")
                     if accept_addr(events, e["conn_id"]) == silent.addr]
    h.check(len(silent_closes) == 1, f"silent socket: {len(silent_closes)} connection_close")
    expect.append(("silent socket: connection_close", silent_closes[0]["data"]["reason"],
                   "idle_timeout"))
    for what, got, want in expect:
        h.log(f"{what}: reason={got}")
    for what, got, want in expect:
        h.check(got == want, f"{what}: reason {got!r}, expected {want!r}")

    # Pairing: every start its one stop, every stop its start, in each connection.
    for conn in {e["conn_id"] for e in events}:
        types = [e["type"] for e in conn_events(events, conn)]
        for start, stop in (("publish_start", "publish_stop"), ("play_start", "play_stop"),
                            ("connection_accept", "connection_close")):
            h.check(types.count(start) == types.count(stop) <= 1,
                    f"{conn}: {types.count(start)} {start}, {types.count(stop)} {stop}: {types}")
        for e in conn_events(events, conn):
            if e["type"] in ("publish_stop", "play_stop", "connection_close"):
                h.check(e["data"]["reason"] in ("client", "disconnect", "idle_timeout", "auth",
                                                "kicked", "shutdown", "error"),
                        f"{conn}: {e}")
    h.stop_player(tplayer, ctx.path("term.flv"))
    term.wait(TIMEOUT)  # ffmpeg ends on its own once the server is gone
    r.check_sanitizer_clean(ctx)


if __name__ == "__main__":
    h.run(main)
