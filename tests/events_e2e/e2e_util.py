"""Shared by the events_e2e tests: the ZeroMQ PULL peer, the ingest's /metrics and
shutdown line, a raw plain-handshake client, and event order checks (docs/events.md).

Imports tests/integration/harness.py for processes, waiting and ffmpeg helpers.
"""

import json
import os
import re
import signal
import socket
import struct
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

import harness as h  # noqa: E402

# stream_delete comes with whichever of the publisher and the player left last.
PUBLISHER_SEQ = re.compile(
    r"^connection_accept handshake_complete stream_create publish_start "
    r"codec_detected codec_detected publish_stop( stream_delete)? connection_close$")
PLAYER_SEQ = re.compile(
    r"^connection_accept handshake_complete play_start play_stop( stream_delete)? "
    r"connection_close$")
RAW_SEQ = "connection_accept handshake_complete connection_close"

STOP_LINE = re.compile(r"rtmp-ingest stopped: (\d+) events emitted, (\d+) sent, "
                       r"(\d+) to stdio fallback, (\d+) dropped")


def peer_binary():
    path = os.environ.get("ZMQ_PULL_PEER_BIN")
    if not path:
        path = os.path.join(h.REPO, "build", "bin", "zmq_pull_peer")
    if not os.access(path, os.X_OK):
        h.fail(f"zmq_pull_peer not found at {path} (set ZMQ_PULL_PEER_BIN)")
    return os.path.abspath(path)


class PullPeer:
    """zmq_pull_peer: one JSON line per received protobuf Event on its stdout."""

    def __init__(self, ctx, endpoint, max_events=0, timeout_ms=280_000, idle_ms=0,
                 name="peer"):
        self.proc = ctx.proc(name, [peer_binary(), endpoint, max_events, timeout_ms, idle_ms])
        self.proc.wait_line(r"connecting ", 30, stream="stderr")

    def lines(self):
        return [l for l in self.proc.stdout().splitlines() if l.strip()]

    def events(self):
        out = []
        for n, line in enumerate(self.lines(), 1):
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                h.fail(f"{self.proc.stdout_path}:{n}: not JSON: {line[:200]!r}")
        return out

    def wait_count(self, n, timeout, what="events"):
        def enough():
            if not self.proc.running():
                h.fail(f"pull peer exited ({self.proc.poll()}) after {len(self.lines())} {what}; "
                       f"see {self.proc.stderr_path}")
            return len(self.lines()) >= n
        h.wait_for(enough, timeout, f"the pull peer to receive {n} {what}", 0.1)

    def drain_and_stop(self, timeout=30):
        """SIGTERM: the peer prints what still arrives until 1 s is quiet, exits 0."""
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait_exit(timeout)
        h.check(code == 0, f"pull peer exit status {code}; see {self.proc.stderr_path}")
        return self.events()


def scrape(port):
    """{metric name (with labels): value} from the ingest's /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, value = line.rpartition(" ")
        try:
            out[name] = float(value)
        except ValueError:
            pass
    return out


def stop_counts(server):
    """(emitted, sent, fallback, dropped) from the ingest's shutdown log line."""
    m = STOP_LINE.search(server.log_text())
    h.check(m, f"no 'rtmp-ingest stopped: …' line in {server.proc.stdout_path}")
    return tuple(int(x) for x in m.groups())


def raw_handshake(port, timeout=60):
    """A plain RTMP handshake (C0=3, C1, C2 = S1 echoed), then close."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(b"\x03" + struct.pack(">II", 0, 0) + os.urandom(1528))
        need, buf = 1 + 1536 + 1536, b""
        while len(buf) < need:
            chunk = s.recv(need - len(buf))
            if not chunk:
                raise OSError(f"server closed after {len(buf)} handshake bytes")
            buf += chunk
        if buf[0] != 3:
            raise OSError(f"S0 version {buf[0]}")
        s.sendall(buf[1:1537])


def check_envelope(events, t0):
    """Every field present, ids unique, one ingest_id, data message matching the type."""
    ids = set()
    ingest_ids = set()
    for e in events:
        for field in ("seq", "type", "timestamp", "conn_id", "stream_key", "id", "ingest_id",
                      "data"):
            h.check(field in e, f"event without {field}: {e}")
        h.check(e["conn_id"], f"empty conn_id: {e}")
        h.check(e["id"], f"empty id: {e}")
        h.check(e["id"] not in ids, f"duplicate id {e['id']} (seq {e['seq']})")
        ids.add(e["id"])
        ingest_ids.add(e["ingest_id"])
        h.check(t0 - 5 <= e["timestamp"] <= time.time() + 5, f"bad timestamp: {e}")
        if "data_case" in e:
            h.check(e["data_case"] == e["type"], f"type {e['type']} with data {e['data_case']!r}")
    h.check(len(ingest_ids) == 1, f"ingest_id not one value: {sorted(ingest_ids)}")


def check_seqs(events, first, last, what):
    seqs = [e["seq"] for e in events]
    want = list(range(first, last + 1))
    if seqs != want:
        bad = next((i for i, (a, b) in enumerate(zip(seqs, want)) if a != b), min(len(seqs), len(want)))
        h.fail(f"{what}: seq {seqs[max(0, bad - 2):bad + 3]}… at index {bad} "
               f"({len(seqs)} events), want exactly {first}..{last} in order")


def by_conn(events):
    out = {}
    for e in sorted(events, key=lambda e: e["seq"]):
        out.setdefault(e["conn_id"], []).append(e)
    return out


def check_stream(events, conns, skey, width, height, sent_video, min_secs):
    """The publisher's and the player's connections of one stream (docs/events.md)."""
    pub_c = [c for c, evs in conns.items()
             if any(e["type"] == "publish_start" and e["stream_key"] == skey for e in evs)]
    play_c = [c for c, evs in conns.items()
              if any(e["type"] == "play_start" and e["stream_key"] == skey for e in evs)]
    h.check(len(pub_c) == 1 and len(play_c) == 1,
            f"{skey}: {len(pub_c)} publisher / {len(play_c)} player connections, want 1 / 1")
    pub, play = conns[pub_c[0]], conns[play_c[0]]
    seq_of = lambda evs: " ".join(e["type"] for e in evs if e["type"] != "subscriber_count")
    h.check(PUBLISHER_SEQ.match(seq_of(pub)),
            f"{skey}: publisher events\n  {seq_of(pub)}\nwant {PUBLISHER_SEQ.pattern}")
    h.check(PLAYER_SEQ.match(seq_of(play)),
            f"{skey}: player events\n  {seq_of(play)}\nwant {PLAYER_SEQ.pattern}")
    for t in ("stream_create", "stream_delete"):
        n = sum(e["type"] == t and e["stream_key"] == skey for e in events)
        h.check(n == 1, f"{skey}: {t} {n} times, want once")
    first = lambda evs, t: next(e for e in evs if e["type"] == t)
    delete = next(e for e in events if e["type"] == "stream_delete" and e["stream_key"] == skey)
    last_out = max(first(pub, "publish_stop")["seq"], first(play, "play_stop")["seq"])
    h.check(delete["seq"] > last_out and delete["conn_id"] in (pub_c[0], play_c[0]),
            f"{skey}: stream_delete (seq {delete['seq']}) before the last stop (seq {last_out})")
    h.check("127.0.0.1" in str(first(pub, "connection_accept")["data"].get("remote_addr")),
            f"{skey}: connection_accept remote_addr {first(pub, 'connection_accept')['data']}")

    codecs = {e["data"].get("media"): e["data"] for e in pub if e["type"] == "codec_detected"}
    v, a = codecs.get("video", {}), codecs.get("audio", {})
    h.check(v.get("codec") == "H264" and v.get("width") == width and v.get("height") == height,
            f"{skey}: video codec_detected {v}, want H264 {width}x{height}")
    h.check(a.get("codec") == "AAC" and a.get("sample_rate") == 48000,
            f"{skey}: audio codec_detected {a}, want AAC 48000 Hz")

    stop = first(pub, "publish_stop")["data"]
    for field in ("audio_packets", "video_packets", "total_bytes", "duration_sec"):
        h.check(isinstance(stop.get(field), (int, float)) and stop[field] > 0,
                f"{skey}: publish_stop {field}={stop.get(field)!r}, want a number > 0")
    h.check(stop.get("audio_codec") == "AAC" and stop.get("video_codec") == "H264",
            f"{skey}: publish_stop codecs {stop.get('audio_codec')}/{stop.get('video_codec')}")
    h.check(0.9 * sent_video <= stop["video_packets"] <= sent_video,
            f"{skey}: publish_stop video_packets {stop['video_packets']}, sent {sent_video}")
    h.check(min_secs - 1 <= stop["duration_sec"] <= 120,
            f"{skey}: publish_stop duration_sec {stop['duration_sec']}")

    close_pub, close_play = first(pub, "connection_close"), first(play, "connection_close")
    h.check(close_pub["data"].get("role") == "publisher",
            f"{skey}: publisher connection_close role {close_pub['data'].get('role')!r}")
    h.check(close_play["data"].get("role") == "subscriber",
            f"{skey}: player connection_close role {close_play['data'].get('role')!r}")
    h.check(first(play, "play_stop")["data"].get("duration_sec", -1) >= 0,
            f"{skey}: play_stop without duration_sec")
    counts = [e["data"].get("count") for e in events
              if e["type"] == "subscriber_count" and e["stream_key"] == skey]
    h.check(counts == [1, 0], f"{skey}: subscriber_count {counts}, want [1, 0]")
    h.log(f"{skey}: publisher/player sequences ok; publish_stop {stop}")
    return pub, play
