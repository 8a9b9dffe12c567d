#!/usr/bin/env python3
"""The live event stream (SSE) against the stdio hook, with real clients.

A reader on /api/v1/events from the start sees exactly the lines the stdio
hook prints (same JSON text, same order, `id:` = the event's id), through an
ffmpeg publisher, an ffmpeg player and bursts of raw connections. A second
reader leaves for 3 s while events go on and comes back with Last-Event-ID:
it misses none and repeats none. Filters: ?type= and ?stream= see exactly
their share. A client that sends its GET and never reads (with a 4 KiB
receive buffer) is dropped at -api-sse-buffer (WARN line, socket closed),
while the publisher goes on at full rate (ffmpeg -re keeps real time) and the
stdio hook prints every event (seq without gaps). The keepalive comment comes
every -api-sse-keepalive, and X-Keepalive-Interval-Ms says how often."""

import json
import os
import socket
import time

import api_util as u
from api_util import h

CONNECTS = int(os.environ.get("API_TEST_CONNECTS", "3000"))  # for the non-reader's buffer to fill


def raw_connects(port, n):
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.close()


def seq_of(event_id):
    return int(event_id.rsplit("-", 1)[1])


def paced_connects(ingest, n, readers, chunk=100):
    """n raw connections in chunks; before each next chunk, the readers have
    read every event the hook printed so far. A reader starved of CPU on a
    loaded machine then lags by one chunk (~25 KB) at most, far below
    -api-sse-buffer, so only the client that never reads is dropped."""
    for done in range(0, n, chunk):
        raw_connects(ingest.port, min(chunk, n - done))
        lines = u.stdio_lines(ingest)
        want = seq_of(json.loads(lines[-1])["id"]) if lines else 0

        def read_up():
            for name, r in readers:
                h.check(not r.closed, f"the {name} reader's stream ended: the server dropped it")
                got = r.snapshot()
                if not got or seq_of(got[-1][0]) < want:
                    return False
            return True
        h.wait_for(read_up, 60, f"the readers to read up to seq {want}")


def ids_of(lines):
    return [json.loads(l)["id"] for l in lines]


def main(ctx):
    ingest = h.Ingest(ctx, args=["-api-addr", "127.0.0.1:0", "-api-sse-buffer", "262144",
                                 "-stats-interval", "1s"])
    port = u.api_port_from_log(ingest)
    full = u.SseReader(port)
    typed = u.SseReader(port, "/api/v1/events?type=publish_start,publish_stop")
    keyed = u.SseReader(port, "/api/v1/events?stream=live/a")
    h.wait_for(lambda: full.status == 200 and typed.status == 200 and keyed.status == 200, 20,
               "the readers' 200 responses")
    st, _, _ = u.request(port, "POST", "/api/v1/events")
    h.check(st == 405, f"POST /api/v1/events: {st}")

    pub = h.Publisher(ctx, ingest.url("a"), name="pub_a", duration=40, size="640x360",
                      vbitrate="600k")
    pub.wait_frames(30, 60)
    player = h.ffmpeg_player(ctx, ingest.url("a"), "p1.flv", name="player1")
    raw_connects(ingest.port, 20)

    # The second reader: in, out for 3 s while events go on, back with Last-Event-ID.
    rejoin = u.SseReader(port)
    h.wait_for(lambda: len(rejoin.snapshot()) >= 3, 30, "the rejoining reader's first events")
    rejoin.close()
    first_part = rejoin.snapshot()
    last_id = first_part[-1][0]
    gap_start = len(u.stdio_lines(ingest))
    raw_connects(ingest.port, 30)
    time.sleep(3)  # the disconnection the test is about, not a wait for a condition
    h.check(len(u.stdio_lines(ingest)) > gap_start + 30, "no events while the reader was away")
    back = u.SseReader(port, last_event_id=last_id)

    # The non-reader: tiny receive buffer, never reads.
    stuck = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stuck.connect(("127.0.0.1", port))
    stuck.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n")
    frames_before = pub.frames()
    t0 = time.monotonic()
    paced_connects(ingest, CONNECTS, [("full", full), ("rejoined", back)])
    ingest.proc.wait_line(r"live-event client \S+ dropped", 60)
    # Its socket was closed by the server: reading now ends (after what was sent).
    stuck.settimeout(20)
    try:
        while stuck.recv(1 << 20):
            pass
    except (ConnectionResetError, socket.timeout) as e:
        h.check(not isinstance(e, socket.timeout), "the dropped client's socket stayed open")
    stuck.close()
    # Media went on at full rate meanwhile: -re paces ffmpeg at 30 fps only if
    # the ingest keeps taking what it sends.
    pub.wait_frames(frames_before + 30 * 5, 30)
    elapsed = time.monotonic() - t0
    rate = (pub.frames() - frames_before) / elapsed
    h.log(f"publisher during the stuck client: {rate:.1f} fps over {elapsed:.1f} s")
    h.check(rate >= 25, f"publisher slowed to {rate:.1f} fps")

    pub.quit()
    h.stop_player(player)
    # Wait until every event the hook printed reached the readers.
    def caught_up():
        for name, r in (("full", full), ("rejoined", back), ("typed", typed), ("keyed", keyed)):
            h.check(not r.closed, f"the {name} reader's stream ended: the server dropped it")
        lines = u.stdio_lines(ingest)
        return lines and full.snapshot() and full.snapshot()[-1][0] == json.loads(lines[-1])["id"] \
            and back.snapshot() and back.snapshot()[-1][0] == full.snapshot()[-1][0]
    h.wait_for(caught_up, 30, "the readers to reach the hook's last event")
    lines = u.stdio_lines(ingest)
    got = full.snapshot()

    # Every event the hook printed, same text, same order, id: the event id.
    seqs = [json.loads(l)["seq"] for l in lines]
    h.check(seqs == list(range(1, len(seqs) + 1)), "the stdio hook's seq has gaps")
    h.check(len(got) == len(lines), f"reader saw {len(got)} events, the hook printed {len(lines)}")
    for i, (line, (ev_id, data)) in enumerate(zip(lines, got)):
        h.check(data == line, f"event {i}: SSE data differs from the stdio line:\n{data}\n{line}")
        h.check(ev_id == json.loads(line)["id"], f"event {i}: id {ev_id}")
    h.log(f"{len(got)} events identical on SSE and the stdio hook")

    # The rejoined reader: first part + replay + live = everything from its start, once.
    joined = [d for _, d in first_part] + [d for _, d in back.snapshot()]
    start = lines.index(first_part[0][1])
    h.check(joined == lines[start:], f"rejoined reader: {len(joined)} events vs "
            f"{len(lines) - start} printed since it started (missed or repeated some)")

    # Filters see exactly their share.
    want_typed = [l for l in lines if json.loads(l)["type"] in ("publish_start", "publish_stop")]
    want_keyed = [l for l in lines if json.loads(l)["stream_key"] == "live/a"]
    h.wait_for(lambda: len(keyed.snapshot()) == len(want_keyed), 20, "the filtered readers")
    h.check([d for _, d in typed.snapshot()] == want_typed, "?type= filter")
    h.check([d for _, d in keyed.snapshot()] == want_keyed, "?stream= filter")
    h.check(any(json.loads(l)["type"] == "stream_stats" for l in want_keyed), "no stream_stats")

    for r in (full, typed, keyed, back):
        r.close()
    s, head, _ = open_stream(port)
    s.close()
    h.check(keepalive_header(head) == "15000", f"default X-Keepalive-Interval-Ms: head {head!r}")
    ingest.stop()
    check_keepalive(ctx)


def open_stream(port):
    """A raw live-event request: the socket, its response head, what followed."""
    s, text = u.open_events(port)
    head, sep, rest = text.partition("\r\n\r\n")
    h.check(sep, f"the event stream ended before its headers: {text!r}")
    return s, head, rest.encode()


def keepalive_header(head):
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "x-keepalive-interval-ms":
            return value.strip()
    return None


def check_keepalive(ctx):
    ingest = h.Ingest(ctx, name="ingest-keepalive",
                      args=["-api-addr", "127.0.0.1:0", "-api-sse-keepalive", "200ms"])
    port = u.api_port_from_log(ingest)
    s, head, body = open_stream(port)
    h.check(keepalive_header(head) == "200", f"-api-sse-keepalive 200ms: head {head!r}")
    t0 = time.monotonic()
    while body.count(b": keepalive") < 5:  # the socket's timeout bounds each read
        chunk = s.recv(4096)
        h.check(chunk, "the event stream ended")
        body += chunk
    h.log(f"five keepalive comments in {time.monotonic() - t0:.2f} s at -api-sse-keepalive 200ms")
    s.close()
    ingest.stop()

if __name__ == "__main__":
    h.run(main)
