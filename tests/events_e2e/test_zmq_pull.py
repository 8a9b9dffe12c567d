#!/usr/bin/env python3
"""A plain ZeroMQ PULL peer (zmq_pull_peer: cppzmq + the
generated protobuf, no dispatcher code) connected to rtmp-ingest -events-bind,
with no hooks, receives as protobuf the events of a real ffmpeg publish (3 s,
640x360) with a player in the middle: the event order per connection, the
data with real numbers, seq 1..N strictly increasing with no gap, ids unique,
and N is what the ingest says it emitted and sent (nothing to the fallback).
"""

import time

import e2e_util as u
from e2e_util import h

FPS = 30
PUBLISH_SECS = 3
SIZE = (640, 360)


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip(f"rtmp-ingest's own events; nothing to check on {h.server_kind()}")
    t0 = time.time()
    eport = h.free_port()
    endpoint = f"tcp://127.0.0.1:{eport}"
    # The peer first: it connects (and reconnects) until the ingest binds.
    peer = u.PullPeer(ctx, endpoint)
    server = h.Ingest(ctx, args=["-events-bind", endpoint], stdio_events=False)

    url = server.url("zmqpull")
    pub = h.Publisher(ctx, url, name="pub", duration=None, gop=FPS,
                      size=f"{SIZE[0]}x{SIZE[1]}", fps=FPS, vbitrate="500k")
    pub.wait_frames(FPS // 2, 60)
    player = h.ffmpeg_player(ctx, url, "play.flv", name="play", duration=1)
    code = player.wait_exit(60)
    h.check(code == 0, f"player exit status {code}; see {player.stderr_path}")
    h.check(pub.proc.running(), "publisher ended before the player")
    pub.wait_frames(max(PUBLISH_SECS * FPS, pub.frames() + 15), 60)
    code = pub.quit()
    h.check(code == 0, f"publisher exit status {code} after 'q'")
    sent = pub.packets_muxed().get("video") or pub.frames()
    h.log(f"publisher sent {sent} video frames")

    # The last event of the stream reaches the peer while the ingest still runs.
    def closed():
        evs = peer.events()
        return sum(e["type"] == "connection_close" for e in evs) >= 2 and \
            any(e["type"] == "stream_delete" for e in evs)
    h.wait_for(closed, 60, "both connection_close events and stream_delete at the peer", 0.1)

    server.stop()
    emitted, sent_zmq, fallback, dropped = u.stop_counts(server)
    h.log(f"ingest: {emitted} emitted, {sent_zmq} sent, {fallback} fallback, {dropped} dropped")
    h.check(emitted > 0 and sent_zmq == emitted and fallback == 0 and dropped == 0,
            f"ingest counts: {emitted} emitted, {sent_zmq} sent, {fallback} to fallback, "
            f"{dropped} dropped; want all sent")
    h.check(server.proc.stderr().strip() == "",
            f"stdio fallback output with a dispatcher connected: see {server.proc.stderr_path}")
    peer.wait_count(emitted, 30)
    events = peer.drain_and_stop()
    h.log(f"pull peer received {len(events)} events")

    u.check_seqs(events, 1, emitted, "pull peer")
    u.check_envelope(events, t0)
    conns = u.by_conn(events)
    h.check(len(conns) == 2, f"{len(conns)} connections in the events, want 2 (publisher, player)")
    pub_evs, play_evs = u.check_stream(events, conns, "live/zmqpull", SIZE[0], SIZE[1], sent,
                                       PUBLISH_SECS)
    # Causal order across the two connections: the player joined and left while live.
    seq = lambda evs, t: next(e["seq"] for e in evs if e["type"] == t)
    h.check(seq(pub_evs, "publish_start") < seq(play_evs, "play_start")
            < seq(play_evs, "play_stop") < seq(pub_evs, "publish_stop"),
            "publish_start < play_start < play_stop < publish_stop does not hold")
    sc = [e for e in events if e["type"] == "subscriber_count"]
    h.check(seq(play_evs, "play_start") < sc[0]["seq"] < sc[1]["seq"]
            < seq(play_evs, "connection_close"),
            f"subscriber_count seqs {[e['seq'] for e in sc]} outside the player's lifetime")
    h.log(f"types: {' '.join(e['type'] for e in events)}")


if __name__ == "__main__":
    h.run(main)
