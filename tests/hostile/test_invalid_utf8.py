#!/usr/bin/env python3
"""Stream names, queries and apps that are not UTF-8 lose no event.

A client may send any bytes as a stream name. Three raw clients publish with
ill-formed UTF-8 in the name (live/bad\\xff\\xfe), in the query
(live/q?a=\\xff&b=1) and in the app (ap\\xffp/ok), then close. With the stdio
hook (events go through ZeroMQ and the embedded dispatcher), every event of
every connection arrives: each connection_accept has its connection_close,
each publish_start its publish_stop, and stderr holds only JSON lines, the bad
bytes as U+FFFD. Nothing is logged as a malformed or missing event."""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402
import rtmp_raw as r  # noqa: E402

CASES = [  # (app, stream name as sent, stream_key the events carry)
    (b"live", b"bad\xff\xfe", "live/bad\ufffd\ufffd"),
    (b"live", b"q?a=\xff&b=1", "live/q"),
    (b"ap\xffp", b"ok", "ap\ufffdp/ok"),
]


def publish_and_leave(port, app, name):
    c = r.RawClient(port)
    c.handshake()
    obj = dict(r.CONNECT_OBJ, app=app, tcUrl=b"rtmp://127.0.0.1/" + app)
    c.send(r.command_msg("connect", 1, obj))
    c.wait_command(lambda m: m[0] == "_result" and m[1] == 1, "connect _result")
    sid = c.create_stream()
    c.send(r.command_msg("publish", 3, None, name, "live", stream_id=sid, csid=4))
    c.wait_command(lambda m: m[0] == "onStatus" and len(m) > 3 and isinstance(m[3], dict)
                   and m[3].get("code") == "NetStream.Publish.Start", "Publish.Start")
    c.sock.close()


def main(ctx):
    ingest = h.Ingest(ctx)
    for app, name, _ in CASES:
        publish_and_leave(ingest.port, app, name)
    want = {key for _, _, key in CASES}

    def all_stopped():
        stops = {e["stream_key"] for e in ingest.events() if e["type"] == "publish_stop"}
        return want <= stops
    h.wait_for(all_stopped, 30, "a publish_stop for each key")
    h.wait_for(lambda: len([e for e in ingest.events() if e["type"] == "connection_close"])
               >= len(CASES), 30, "every connection_close")
    lines = open(ingest.proc.stderr_path, encoding="utf-8", errors="strict").read().splitlines()
    bad = [line for line in lines if not line.startswith("{")]
    h.check(not bad, f"stderr lines that are not JSON events: {bad[:3]}")
    evs = [json.loads(line) for line in lines]
    for kind in ("connection_accept", "connection_close", "stream_create", "stream_delete",
                 "publish_start", "publish_stop"):
        got = [e for e in evs if e["type"] == kind]
        h.check(len(got) == len(CASES), f"{len(got)} {kind} events, want {len(CASES)}")
    keys = {e["stream_key"] for e in evs if e["type"] == "publish_start"}
    h.check(keys == want, f"publish_start keys {keys}, want {want}")
    seqs = [e["seq"] for e in evs]
    h.check(seqs == list(range(1, len(seqs) + 1)), f"seq has gaps: {seqs}")
    log = ingest.log_text()
    h.check("malformed" not in log and "missing" not in log,
            "the log reports malformed or missing events")
    h.log(f"{len(evs)} events, keys {sorted(keys)}")
    ingest.stop()


if __name__ == "__main__":
    h.run(main)
