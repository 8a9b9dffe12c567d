#!/usr/bin/env python3
"""The stdio JSON event stream (-hook-stdio-format json) of a
5 s publish with a 3 s player in the middle, the publisher ended both ways (a clean
'q', then a SIGKILL of ffmpeg): exactly the documented order per connection (docs/events.md), every start
paired with one stop, the right data (codecs, 1280x720, sample rate, packet counts),
subscriber_count 1 then 0, stream_create/stream_delete once each, seq increasing.

Only meaningful against rtmp-ingest (nginx-rtmp has no such events): skipped otherwise.
"""

import re
import signal
import socket
import time
import harness as h

FPS = 30
PUBLISH_SECS = 5

PUBLISHER_SEQ = re.compile(
    r"^connection_accept handshake_complete stream_create publish_start "
    r"codec_detected codec_detected publish_stop stream_delete connection_close$")
PLAYER_SEQ = re.compile(
    r"^connection_accept handshake_complete play_start play_stop connection_close$")
# A connection that never completed the handshake (e.g. a port probe).
BARE_SEQ = re.compile(r"^connection_accept connection_close$")


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip("lifecycle events are rtmp-ingest's own; nothing to check on "
               f"RTMP_TEST_SERVER={h.server_kind()}")
    server = h.Ingest(ctx, stdio_events=True)
    t0 = time.time()

    runs = {}
    for mode in ("quit", "kill"):
        key = f"ev{mode}"
        runs[key] = session(ctx, server, key, mode)

    server.stop()
    events = server.events()
    h.log(f"{len(events)} events in {server.proc.stderr_path}")
    check_envelope(events, t0)
    by_conn = {}
    for e in events:
        by_conn.setdefault(e["conn_id"], []).append(e)
    used = set()
    for key, sent in runs.items():
        used |= check_stream(events, by_conn, key, sent)
    for conn, evs in by_conn.items():
        if conn in used:
            continue
        types = " ".join(e["type"] for e in evs)
        h.check(BARE_SEQ.match(types) and evs[-1]["data"].get("role") == "none",
                f"unexpected connection {conn}: {types}")


def session(ctx, server, key, mode):
    """Publish, play 3 s in the middle, end the publisher by mode; return frames sent."""
    url = server.url(key)
    pub = h.Publisher(ctx, url, name=f"pub_{mode}", duration=None, gop=60)
    pub.wait_frames(FPS, 60)
    player = h.ffmpeg_player(ctx, url, f"play_{mode}.flv", name=f"play_{mode}", duration=3)
    code = player.wait_exit(60)
    h.check(code == 0, f"player exit status {code}; see {player.stderr_path}")
    h.check(pub.proc.running(), "publisher ended before the player")
    # Keep publishing a little after the player left, and at least PUBLISH_SECS in all.
    pub.wait_frames(max(PUBLISH_SECS * FPS, pub.frames() + 15), 60)
    if mode == "quit":
        code = pub.quit()
        h.check(code == 0, f"publisher exit status {code} after 'q'")
        muxed = pub.packets_muxed().get("video")
        sent = muxed or pub.frames()
        exact = bool(muxed)  # ffmpeg's own count of the frames it sent
    else:
        sent = pub.frames()  # at least this many were sent before the kill
        pub.proc.send_signal(signal.SIGKILL)
        pub.wait(30)
        exact = False
    h.log(f"{mode}: publisher sent {sent} video frames")

    def closed():
        evs = server.events()
        conns = {e["conn_id"] for e in evs
                 if e["type"] == "publish_start" and e["stream_key"] == f"live/{key}"}
        return any(e["type"] == "connection_close" and e["conn_id"] in conns for e in evs) and \
            any(e["type"] == "stream_delete" and e["stream_key"] == f"live/{key}" for e in evs)
    h.wait_for(closed, 30, f"publisher connection_close and stream_delete for live/{key}")
    return {"video": sent, "exact": exact}


def check_envelope(events, t0):
    ids = set()
    last_seq = None
    for e in events:
        for field in ("type", "timestamp", "conn_id", "stream_key", "id", "seq", "node", "data"):
            h.check(field in e, f"event without {field}: {e}")
        h.check(isinstance(e["seq"], int), f"seq not an integer: {e}")
        h.check(isinstance(e["timestamp"], (int, float)) and
                t0 - 5 <= e["timestamp"] <= time.time() + 5, f"bad timestamp: {e}")
        h.check(isinstance(e["data"], dict), f"data not an object: {e}")
        h.check(e["conn_id"], f"empty conn_id: {e}")
        # No -node-id given: the ingest names itself after the host, in `node`
        # and at the head of every id.
        h.check(e["node"] == socket.gethostname(), f"node {e['node']!r}, want the host name "
                f"{socket.gethostname()!r}: {e}")
        h.check(e["id"].startswith(f"evt-{e['node']}-"), f"id {e['id']} does not name the node")
        h.check(e["id"] not in ids, f"duplicate id {e['id']}")
        ids.add(e["id"])
        h.check(last_seq is None or e["seq"] > last_seq,
                f"seq not increasing: {last_seq} then {e['seq']} ({e['type']})")
        last_seq = e["seq"]


def check_stream(events, by_conn, key, sent):
    """The publisher's and the player's connections for one stream key."""
    skey = f"live/{key}"
    pub_conns = [c for c, evs in by_conn.items()
                 if any(e["type"] == "publish_start" and e["stream_key"] == skey for e in evs)]
    play_conns = [c for c, evs in by_conn.items()
                  if any(e["type"] == "play_start" and e["stream_key"] == skey for e in evs)]
    h.check(len(pub_conns) == 1, f"{skey}: {len(pub_conns)} publisher connections, want 1")
    h.check(len(play_conns) == 1, f"{skey}: {len(play_conns)} player connections, want 1")
    pub, play = by_conn[pub_conns[0]], by_conn[play_conns[0]]

    # Exactly the documented order, subscriber_count aside (checked per stream below).
    seq_of = lambda evs: " ".join(e["type"] for e in evs if e["type"] != "subscriber_count")
    h.check(PUBLISHER_SEQ.match(seq_of(pub)),
            f"{skey}: publisher connection events:\n  {seq_of(pub)}\nwant {PUBLISHER_SEQ.pattern}")
    h.check(PLAYER_SEQ.match(seq_of(play)),
            f"{skey}: player connection events:\n  {seq_of(play)}\nwant {PLAYER_SEQ.pattern}")
    for e in pub + play:
        if e["type"] in ("stream_create", "stream_delete", "publish_start", "publish_stop",
                         "play_start", "play_stop", "codec_detected"):
            h.check(e["stream_key"] == skey, f"{e['type']} with stream_key {e['stream_key']!r}")
    h.check(sum(e["type"] == "stream_create" and e["stream_key"] == skey for e in events) == 1,
            f"{skey}: stream_create not exactly once")
    h.check(sum(e["type"] == "stream_delete" and e["stream_key"] == skey for e in events) == 1,
            f"{skey}: stream_delete not exactly once")

    first = lambda evs, t: next(e for e in evs if e["type"] == t)
    h.check("127.0.0.1" in str(first(pub, "connection_accept")["data"].get("remote_addr")),
            f"{skey}: connection_accept without remote_addr: {first(pub, 'connection_accept')}")

    codecs = {e["data"].get("media"): e["data"] for e in pub if e["type"] == "codec_detected"}
    v, a = codecs.get("video", {}), codecs.get("audio", {})
    h.check(v.get("codec") == "H264" and v.get("width") == 1280 and v.get("height") == 720,
            f"{skey}: video codec_detected {v}, want H264 1280x720")
    h.check(a.get("codec") == "AAC" and a.get("sample_rate") == 48000,
            f"{skey}: audio codec_detected {a}, want AAC 48000 Hz")
    if "channels" in a:
        h.check(a["channels"] == 2, f"{skey}: audio channels {a['channels']}, want 2")

    stop = first(pub, "publish_stop")["data"]
    for field in ("audio_packets", "video_packets", "total_bytes", "duration_sec"):
        h.check(isinstance(stop.get(field), (int, float)) and stop[field] > 0,
                f"{skey}: publish_stop {field}={stop.get(field)!r}, want a number > 0")
    h.check(stop.get("audio_codec") == "AAC" and stop.get("video_codec") == "H264",
            f"{skey}: publish_stop codecs {stop.get('audio_codec')}/{stop.get('video_codec')}")
    h.check(stop["video_packets"] >= 0.9 * sent["video"],
            f"{skey}: publish_stop video_packets {stop['video_packets']}, "
            f"publisher sent {sent['video']}")
    if sent["exact"]:
        # Coded frames only: not the sequence header nor the end-of-sequence tag.
        h.check(stop["video_packets"] == sent["video"],
                f"{skey}: publish_stop video_packets {stop['video_packets']}, "
                f"ffmpeg muxed {sent['video']}")
    h.check(PUBLISH_SECS - 1 <= stop["duration_sec"] <= 120,
            f"{skey}: publish_stop duration_sec {stop['duration_sec']}")
    h.check(stop["total_bytes"] > 100_000, f"{skey}: total_bytes {stop['total_bytes']}")

    close_pub, close_play = first(pub, "connection_close"), first(play, "connection_close")
    h.check(close_pub["data"].get("role") == "publisher",
            f"{skey}: publisher connection_close role {close_pub['data'].get('role')!r}")
    h.check(close_play["data"].get("role") == "subscriber",
            f"{skey}: player connection_close role {close_play['data'].get('role')!r}")
    h.check(close_pub["data"].get("duration_sec", 0) >= stop["duration_sec"] - 0.01,
            f"{skey}: connection_close duration_sec shorter than publish duration")
    h.check(first(play, "play_stop")["data"].get("duration_sec", -1) >= 0,
            f"{skey}: play_stop without duration_sec")

    counts = [e for e in events if e["type"] == "subscriber_count" and e["stream_key"] == skey]
    h.check([e["data"].get("count") for e in counts] == [1, 0],
            f"{skey}: subscriber_count {[e['data'].get('count') for e in counts]}, want [1, 0]")
    lo = first(play, "handshake_complete")["seq"]
    hi = close_play["seq"]
    h.check(all(lo < e["seq"] < hi for e in counts),
            f"{skey}: subscriber_count events outside the player's connection lifetime")
    # The player left while the stream was live: its stop precedes the publisher's.
    h.check(first(play, "play_stop")["seq"] < first(pub, "publish_stop")["seq"],
            f"{skey}: play_stop after publish_stop")
    h.log(f"{skey}: sequence ok; publish_stop {stop}")
    return {pub_conns[0], play_conns[0]}


if __name__ == "__main__":
    h.run(main)
