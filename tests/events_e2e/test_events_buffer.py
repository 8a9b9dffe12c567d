#!/usr/bin/env python3
"""rtmp-ingest -events-bind … -events-buffer 100 with no
dispatcher connected. A real ffmpeg publish (640x360, 30 fps, 15 s) with an ffmpeg
player runs while 500 raw connections each do a plain handshake and close (3 events
each: connection_accept, handshake_complete, connection_close role none). After the
stream ended and every event was emitted, a PULL peer connects:

- it gets exactly the newest 100 events, seq N-99..N: a full buffer lets its oldest
  event go, and the first event it gets announces seqs 1..N-100 as lost;
- every older event, seq 1..N-100, is on the ingest's stderr (stdio fallback) as one
  JSON line, each once (the stream's first events among them); delivered + fallback
  == N, as the ingest's shutdown line and /metrics say, nothing dropped, and the
  union is every connection's exact sequence;
- RTMP was never delayed: the player received >= 95% of the frames sent, and during
  the burst of connections (spread over 4.5 s) it received frames at the stream's rate
  with no stall over 1 s.
"""

import concurrent.futures
import re
import threading
import time

import e2e_util as u
from e2e_util import h

FPS = 30
SECS = 15
SIZE = (640, 360)
CONNS = 500
BUFFER = 100
EVENTS_PER_RAW_CONN = 3
WAVES = 10
BURST_SECS = 4.5
MIN_RATE = 0.85 * FPS   # frames/s at the player during the burst
MAX_STALL = 1.0         # s without a new frame at the player during the burst


class Player:
    """ffmpeg recording the stream (-c copy), progress every 0.1 s, sampled by a thread."""

    def __init__(self, ctx, url):
        self.out = ctx.path("play.flv")
        self.progress = ctx.path("play.progress")
        self.proc = ctx.proc("play", [
            "ffmpeg", "-hide_banner", "-nostdin", "-v", "info", "-y", "-rw_timeout", "30000000",
            "-i", url, "-c", "copy", "-map", "0", "-copyinkf",
            "-stats_period", "0.1", "-progress", self.progress, "-f", "flv", self.out])
        self.samples = []  # (monotonic time, frames received)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def frames(self):
        vals = re.findall(r"^frame=(\d+)", h.read_text(self.progress), re.M)
        return int(vals[-1]) if vals else 0

    def _sample(self):
        while not self._stop.is_set():
            self.samples.append((time.monotonic(), self.frames()))
            self._stop.wait(0.05)

    def stop_sampling(self):
        self._stop.set()
        self._thread.join(10)

    def rate(self, t0, t1):
        """(frames/s over [t0, t1], longest time without a new frame inside it)."""
        win = [(t, f) for t, f in self.samples if t0 <= t <= t1]
        h.check(len(win) >= 10, f"only {len(win)} player samples in the burst window")
        rate = (win[-1][1] - win[0][1]) / (win[-1][0] - win[0][0])
        stall, since = 0.0, win[0]
        for t, f in win[1:]:
            if f != since[1]:
                since = (t, f)
            stall = max(stall, t - since[0])
        return rate, stall


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip(f"rtmp-ingest's own events; nothing to check on {h.server_kind()}")
    t0 = time.time()
    eport, mport = h.free_port(), h.free_port()
    endpoint = f"tcp://127.0.0.1:{eport}"
    server = h.Ingest(ctx, stdio_events=False, args=[
        "-events-bind", endpoint, "-events-buffer", str(BUFFER),
        "-metrics-addr", f"127.0.0.1:{mport}"])

    def metrics():
        try:
            return u.scrape(mport)
        except OSError:
            return None
    h.wait_for(metrics, 30, "the ingest's /metrics")

    # The stream first, so its early events are among the first 100.
    url = server.url("buffered")
    pub = h.Publisher(ctx, url, name="pub", duration=SECS, gop=5 * FPS,
                      size=f"{SIZE[0]}x{SIZE[1]}", fps=FPS, vbitrate="800k")
    pub.wait_frames(10, 60)
    player = Player(ctx, url)  # joins inside the first GOP: the GOP cache gives it all
    h.wait_for(lambda: player.frames() >= pub.frames() - 5 and player.frames() >= FPS
               or (not player.proc.running() and h.fail(f"player exited; {player.proc.stderr_path}")),
               60, "the player to catch up with the publisher", 0.1)

    # 500 connections, each a plain handshake then close: WAVES waves spread over
    # BURST_SECS of the stream (8 handshakes at a time), so events pour in the whole
    # time the player's rate is measured.
    h.log(f"burst: {CONNS} raw handshakes in {WAVES} waves over {BURST_SECS} s "
          f"(player at {player.frames()} frames)")
    pace = threading.Event()  # never set: its wait() paces the waves
    b0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        futures = []
        for wave in range(WAVES):
            pace.wait(max(0.0, b0 + wave * BURST_SECS / (WAVES - 1) - time.monotonic()))
            futures += [pool.submit(u.raw_handshake, server.port) for _ in range(CONNS // WAVES)]
        for f in futures:
            f.result()
    b1 = time.monotonic()
    h.log(f"burst done in {b1 - b0:.2f} s (player at {player.frames()} frames)")
    h.check(pub.proc.running(), f"the burst outlasted the {SECS} s stream; cannot check its rate")

    code = pub.wait(SECS * 4 + 60)
    h.check(code == 0, f"publisher exit status {code}; see {pub.proc.stderr_path}")
    sent = pub.packets_muxed()
    h.log(f"publisher sent {sent}")
    h.stop_player(player.proc, player.out)
    player.stop_sampling()
    rate, stall = player.rate(b0, b1)
    h.log(f"player during the burst [{b1 - b0:.1f} s]: {rate:.1f} frames/s, "
          f"longest stall {stall:.2f} s")
    h.check(rate >= MIN_RATE, f"player got {rate:.1f} frames/s during the burst, want >= {MIN_RATE}")
    h.check(stall <= MAX_STALL, f"player got no frame for {stall:.2f} s during the burst")
    h.check_recording(player.out, "player", sent.get("video") or pub.frames(), sent.get("audio"))

    # Every session ended and every event handed off and placed (buffer or fallback);
    # still nothing sent, the buffer full.
    def settled():
        m = metrics()
        if not m:
            return None
        fallback_lines = len(server.proc.stderr().splitlines())
        ok = (m.get("rtmp_ingest_connections") == 0 and
              m.get("rtmp_ingest_connections_total") == CONNS + 2 and
              m.get("rtmp_ingest_events_buffered") == BUFFER and
              m.get("rtmp_ingest_events_emitted_total") ==
              BUFFER + m.get("rtmp_ingest_events_fallback_total", -1) and
              fallback_lines == m.get("rtmp_ingest_events_fallback_total"))
        return m if ok else None
    m = h.wait_for(settled, 60, "every connection closed and every event placed", 0.2)
    pre_emitted = int(m["rtmp_ingest_events_emitted_total"])
    h.check(m.get("rtmp_ingest_events_sent_total") == 0, f"events sent with no peer: {m}")
    h.check(m.get("rtmp_ingest_events_dropped_total") == 0, f"events dropped: {m}")
    h.log(f"before the peer: {pre_emitted} emitted, {BUFFER} buffered, "
          f"{pre_emitted - BUFFER} to the fallback")

    peer = u.PullPeer(ctx, endpoint)
    peer.wait_count(BUFFER, 60)
    h.wait_for(lambda: (metrics() or {}).get("rtmp_ingest_events_sent_total") == BUFFER and
               metrics().get("rtmp_ingest_events_buffered") == 0, 30,
               f"/metrics to show {BUFFER} sent, 0 buffered", 0.2)

    server.stop()
    emitted, sent_zmq, fallback, dropped = u.stop_counts(server)
    h.log(f"ingest: {emitted} emitted, {sent_zmq} sent, {fallback} fallback, {dropped} dropped")
    delivered = peer.drain_and_stop()
    fell = server.events()
    h.log(f"peer got {len(delivered)}, stderr fallback has {len(fell)}")

    h.check(emitted == pre_emitted, f"{emitted - pre_emitted} events emitted after the stream ended")
    h.check(sent_zmq == BUFFER and dropped == 0 and fallback == emitted - BUFFER,
            f"ingest counts {emitted} emitted, {sent_zmq} sent, {fallback} fallback, {dropped} "
            f"dropped; want {BUFFER} sent, {emitted - BUFFER} fallback, 0 dropped")
    u.check_seqs(delivered, emitted - BUFFER + 1, emitted, "delivered to the peer")
    u.check_seqs(fell, 1, emitted - BUFFER, "stdio fallback")
    first = min(delivered, key=lambda e: e["seq"])
    h.check(first.get("lost") == [[1, emitted - BUFFER]],
            f"the first event delivered announces {first.get('lost')}, want "
            f"[[1, {emitted - BUFFER}]]")
    h.check(all(not e.get("lost") for e in delivered if e is not first),
            "a later event announced lost seqs again")
    h.check(len(delivered) + len(fell) == emitted,
            f"{len(delivered)} delivered + {len(fell)} fallback != {emitted} emitted")

    # Fallback lines are the JSON payload (no ingest_id); ids unique across both.
    for e in fell:
        e.setdefault("ingest_id", delivered[0]["ingest_id"])
    events = sorted(delivered + fell, key=lambda e: e["seq"])
    u.check_envelope(events, t0)

    conns = u.by_conn(events)
    pub_evs, play_evs = u.check_stream(events, conns, "live/buffered", SIZE[0], SIZE[1],
                                       sent.get("video") or pub.frames(), SECS)
    raw = {c: evs for c, evs in conns.items() if evs is not pub_evs and evs is not play_evs}
    h.check(len(raw) == CONNS, f"{len(raw)} other connections in the events, want {CONNS}")
    for c, evs in raw.items():
        types = " ".join(e["type"] for e in evs)
        h.check(types == u.RAW_SEQ and evs[-1]["data"].get("role") == "none",
                f"raw connection {c}: {types} ({evs[-1]['data']}), want {u.RAW_SEQ} role none")
    stream_events = len(pub_evs) + len(play_evs)
    h.check(emitted == stream_events + EVENTS_PER_RAW_CONN * CONNS,
            f"{emitted} emitted != {stream_events} stream events + "
            f"{EVENTS_PER_RAW_CONN} x {CONNS} raw")
    early = [e["type"] for e in pub_evs if e["seq"] <= emitted - BUFFER]
    h.check(early[:4] == ["connection_accept", "handshake_complete", "stream_create",
                          "publish_start"],
            f"the stream's first events were not on the fallback: {early}")
    h.log(f"{emitted} events: {BUFFER} delivered + {len(fell)} fallback; "
          f"{stream_events} stream + {EVENTS_PER_RAW_CONN * CONNS} raw")


if __name__ == "__main__":
    h.run(main)
