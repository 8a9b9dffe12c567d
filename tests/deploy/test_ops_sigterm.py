"""SIGTERM during a live publish with an external
dispatcher attached loses nothing and both programs exit 0.

rtmp-ingest binds its event PUSH socket on loopback (-events-bind); one
rtmp-dispatcher pulls from it (-events-connect) and POSTs every event to a real
HTTP receiver. While ffmpeg publishes, the ingest gets SIGTERM: it ends the
session, so publish_stop, stream_delete and connection_close are emitted and
flushed to the dispatcher before it exits 0. The receiver answers
publish_stop and connection_close slowly (3 s); the dispatcher gets SIGTERM as
soon as the connection_close request has arrived, i.e. while those hooks are
still running, and must finish them before it exits 0 (docs/operations.md). Every event
of the ingest reaches the receiver exactly once, seq 1..N without a gap.
"""
import signal
import time

import ops_util as u
from ops_util import h

SLOW = {"publish_stop", "connection_close"}
SLOW_S = 3.0


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip("rtmp-ingest's own event pipeline")
    rx = u.Receiver(delay=lambda ev: SLOW_S if ev["type"] in SLOW else 0)
    events_port, imetrics, dmetrics = h.free_port(), h.free_port(), h.free_port()
    server = h.Ingest(ctx, stdio_events=False,
                      args=["-events-bind", f"tcp://127.0.0.1:{events_port}",
                            "-metrics-addr", f"127.0.0.1:{imetrics}"])
    disp = ctx.proc("dispatcher", [u.dispatcher_binary(),
                                   "-events-connect", f"tcp://127.0.0.1:{events_port}",
                                   "-hook-webhook", f"*={rx.url}/hook",
                                   "-metrics-addr", f"127.0.0.1:{dmetrics}",
                                   "-log-level", "debug", "-log-format", "text"])
    disp.wait_line(r"connected to ingest", 30, "stdout")
    h.wait_for(lambda: u.http_get(dmetrics, "/readyz")[0] == 200, 30, "dispatcher /readyz 200")

    pub = h.Publisher(ctx, server.url("sigterm"), duration=120)
    # ffmpeg counts a frame when it encodes it; the last few may still be in its
    # muxer or the socket. 70 encoded leaves the 60 checked below received.
    pub.wait_frames(70, 60)

    def started():
        evs = [e for _, e, _ in rx.snapshot() if e["type"] == "publish_start"]
        return evs[0] if evs else None
    start = h.wait_for(started, 30, "publish_start at the receiver")
    conn = start["conn_id"]
    h.check(pub.proc.running(), "ffmpeg stopped before SIGTERM")

    h.log("SIGTERM to rtmp-ingest during the publish")
    t_term = time.monotonic()
    server.stop(expect_code=0, timeout=60)
    h.log(f"rtmp-ingest exited 0 after {time.monotonic() - t_term:.2f}s")

    def arrived(kind):
        return [e for _, e, _ in rx.snapshot() if e["type"] == kind and e["conn_id"] == conn]
    h.wait_for(lambda: arrived("connection_close"), 60, "connection_close at the receiver")
    h.log("SIGTERM to rtmp-dispatcher while the slow hooks are running")
    t_dterm = time.monotonic()
    disp.send_signal(signal.SIGTERM)
    code = disp.wait_exit(60)
    t_exit = time.monotonic()
    h.check(code == 0, f"rtmp-dispatcher exit status {code} after SIGTERM")
    h.log(f"rtmp-dispatcher exited 0 after {t_exit - t_dterm:.2f}s")

    answered = {(e["type"], e["conn_id"]): t for _, e, t in rx.answered_snapshot()}
    for kind in ("publish_stop", "connection_close"):
        h.check(len(arrived(kind)) == 1, f"{kind} of {conn} arrived {len(arrived(kind))} times")
        h.check((kind, conn) in answered, f"{kind} hook was not finished before exit")
    stop = arrived("publish_stop")[0]
    h.check(stop["data"].get("video_packets", 0) >= 60, f"publish_stop data: {stop['data']}")
    close = arrived("connection_close")[0]
    h.check(close["data"].get("role") == "publisher", f"connection_close data: {close['data']}")
    h.check(t_dterm < answered[("connection_close", conn)] <= t_exit,
            "connection_close was answered before the dispatcher's SIGTERM: the test did "
            "not exercise the drain")
    h.check("failed" not in disp.stdout(), "the dispatcher logged a failed hook")

    # Every event of the ingest exactly once, no seq gap, every start stopped.
    evs = [e for _, e, _ in rx.snapshot()]
    ids = [e["id"] for e in evs]
    h.check(len(ids) == len(set(ids)), "an event reached the receiver twice")
    seqs = sorted(e["seq"] for e in evs)
    h.check(seqs == list(range(seqs[0], seqs[0] + len(seqs))), f"seq gap: {seqs}")
    types = [e["type"] for e in sorted(evs, key=lambda e: e["seq"]) if e["conn_id"] == conn]
    h.check(types[-3:] == ["publish_stop", "stream_delete", "connection_close"],
            f"publisher's last events {types[-3:]}")
    for a, b in (("publish_start", "publish_stop"), ("connection_accept", "connection_close"),
                 ("stream_create", "stream_delete")):
        n_a = sum(1 for e in evs if e["type"] == a)
        n_b = sum(1 for e in evs if e["type"] == b)
        h.check(n_a == n_b, f"{n_a} {a} but {n_b} {b}")
    h.log(f"{len(evs)} events, seq {seqs[0]}..{seqs[-1]}, all delivered once")
    pub.proc.wait_exit(60)


if __name__ == "__main__":
    h.run(main)
