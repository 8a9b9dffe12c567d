#!/usr/bin/env python3
"""RTMPS and plain RTMP serve the same streams.

rtmp-ingest with -listen and -tls-listen (a certificate this test makes with
openssl). Two ffmpeg players wait on live/x, one over rtmps:// and one over
rtmp://; ffmpeg then publishes H.264 + AAC to rtmps://127.0.0.1:PORT/live/x
(ffmpeg's native TLS, which does not verify by default). Both recordings hold
h264 + aac with >= 95% of the frames sent; connection_accept says rtmps for
the publisher and the TLS player, rtmp for the plain one. A second round
publishes over plain RTMP to a player over RTMPS, a third to rtmpdump over
RTMPS (librtmp with GnuTLS). Last, a publisher over RTMPS is killed: its
publish_stop and connection_close say disconnect.

Usage: test_rtmps_publish_play.py  (RTMP_INGEST_BIN from CMake;
RTMP_TLS_TEST_SECONDS, default 10, the publish length)"""
import os
import signal
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness as h  # noqa: E402
import tls_util as t  # noqa: E402

SECONDS = int(os.environ.get("RTMP_TLS_TEST_SECONDS", "10"))


def protocol_of(ingest, conn_ids):
    return {e["conn_id"]: e["data"].get("protocol") for e in ingest.events()
            if e["type"] == "connection_accept" and e["conn_id"] in conn_ids}


def round_trip(ctx, ingest, tls_port, key, publish_tls, players):
    """Publishes over rtmps (or rtmp) to players [(name, tls)]; checks their recordings."""
    urls = {True: f"rtmps://127.0.0.1:{tls_port}/live/{key}",
            False: f"rtmp://127.0.0.1:{ingest.port}/live/{key}"}
    procs = []
    for name, tls in players:
        if name.startswith("rtmpdump"):
            p = h.rtmpdump_player(ctx, urls[tls], f"{name}.flv", name=name)
        else:
            p = h.ffmpeg_player(ctx, urls[tls], f"{name}.flv", name=name)
            h.wait_ffmpeg_play_sent(p)
        procs.append((name, tls, p))
    h.wait_for(lambda: len([e for e in ingest.events() if e["type"] == "play_start"
                            and e["stream_key"] == f"live/{key}"]) == len(players), 30,
               "both play_start events")
    pub = h.Publisher(ctx, urls[publish_tls], name=f"pub-{key}", duration=SECONDS)
    code = pub.wait(SECONDS + 60)
    h.check(code == 0, f"publisher over {urls[publish_tls]} exited {code}; "
                       f"see {pub.proc.stderr_path}")
    sent = pub.packets_muxed()
    h.check(sent.get("video", 0) >= SECONDS * 25, f"publisher sent only {sent}")
    for name, tls, p in procs:
        h.stop_player(p, ctx.path(f"{name}.flv"))
        h.check_recording(ctx.path(f"{name}.flv"), f"{name} ({'rtmps' if tls else 'rtmp'})",
                          sent["video"], sent.get("audio"))
    # Which listener each connection came through, as connection_accept says.
    evs = ingest.events()
    pub_conn = [e["conn_id"] for e in evs if e["type"] == "publish_start"
                and e["stream_key"] == f"live/{key}"]
    play_conns = [(e["conn_id"], e["data"].get("remote_addr")) for e in evs
                  if e["type"] == "play_start" and e["stream_key"] == f"live/{key}"]
    protos = protocol_of(ingest, set(pub_conn) | {c for c, _ in play_conns})
    h.check(protos.get(pub_conn[0]) == ("rtmps" if publish_tls else "rtmp"),
            f"publisher's connection_accept protocol {protos.get(pub_conn[0])}")
    got = sorted(protos[c] for c, _ in play_conns)
    want = sorted("rtmps" if tls else "rtmp" for _, tls in players)
    h.check(got == want, f"players' connection_accept protocols {got}, want {want}")
    h.log(f"live/{key}: publisher {protos[pub_conn[0]]}, players {got}")


def main(ctx):
    ca = t.make_ca(ctx, "test-ca")
    cert, key = t.make_leaf(ctx, "server", ca)
    tls_port = h.free_port()
    ingest = h.Ingest(ctx, args=["-tls-listen", f"127.0.0.1:{tls_port}", "-tls-cert", cert,
                                 "-tls-key", key])
    h.wait_port(tls_port)
    round_trip(ctx, ingest, tls_port, "x", True, [("player-rtmps", True), ("player-rtmp", False)])
    round_trip(ctx, ingest, tls_port, "y", False, [("player2-rtmps", True)])
    # librtmp (GnuTLS) as the player: it fails its RTMP handshake when a
    # TLS 1.3 server sends session tickets.
    round_trip(ctx, ingest, tls_port, "z", True, [("rtmpdump-rtmps", True)])
    killed_publisher(ctx, ingest, tls_port)
    ingest.stop()


def killed_publisher(ctx, ingest, tls_port):
    """A publisher killed mid-stream over RTMPS sends no close_notify: its
    publish_stop and connection_close say disconnect, as over plain RTMP."""
    pub = h.Publisher(ctx, f"rtmps://127.0.0.1:{tls_port}/live/killed", name="pub-killed",
                      duration=60)
    pub.wait_frames(30, 60)
    pub.proc.send_signal(signal.SIGKILL)
    stop = h.wait_for(lambda: [e for e in ingest.events() if e["type"] == "publish_stop"
                               and e["stream_key"] == "live/killed"], 30,
                      "publish_stop of the killed publisher")[0]
    conn = stop["conn_id"]
    close = h.wait_for(lambda: [e for e in ingest.events() if e["type"] == "connection_close"
                                and e["conn_id"] == conn], 30,
                       "connection_close of the killed publisher")[0]
    h.check(stop["data"].get("reason") == "disconnect",
            f"killed RTMPS publisher: publish_stop reason {stop['data'].get('reason')}")
    h.check(close["data"].get("reason") == "disconnect",
            f"killed RTMPS publisher: connection_close reason {close['data'].get('reason')}")


if __name__ == "__main__":
    h.run(main)
