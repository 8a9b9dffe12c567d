#!/usr/bin/env python3
"""One publish or play per connection, and a refusal says why.

A raw client publishes live/first, ends it with deleteStream (publish_stop
reason client, the connection stays open), makes a new stream and publishes
live/second on the same connection: it gets NetStream.Publish.BadName, the
log has one WARN line naming the refusal, and no publish_start for
live/second fires. The connection's events still pair up when it closes.

Refusals the protocol layer makes log a WARN too: publish again on the stream
already publishing, and publish or play on message stream 0. (Seen failing
before: the client got its BadName / Play.Failed, the log said nothing.)"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402
import rtmp_raw as r  # noqa: E402


def status_code(m):
    return m[3].get("code") if m[0] == "onStatus" and len(m) > 3 and isinstance(m[3], dict) else None


def connected(port):
    c = r.RawClient(port)
    c.handshake()
    c.connect()
    return c


def publishing(port, name):
    """A connection publishing live/<name>, and its stream id."""
    c = connected(port)
    sid = c.create_stream()
    c.send(r.command_msg("publish", 3, None, name, "live", stream_id=sid, csid=4))
    c.wait_command(lambda m: status_code(m) == "NetStream.Publish.Start", "Publish.Start")
    return c, sid


def main(ctx):
    ingest = h.Ingest(ctx)
    c, sid = publishing(ingest.port, "first")
    c.send(r.command_msg("deleteStream", 4, None, sid))
    h.wait_for(lambda: [e for e in ingest.events() if e["type"] == "publish_stop"], 30,
               "publish_stop of live/first")
    sid2 = c.create_stream(txn=5)
    c.send(r.command_msg("publish", 6, None, "second", "live", stream_id=sid2, csid=4))
    c.wait_command(lambda m: status_code(m) == "NetStream.Publish.BadName", "Publish.BadName")
    ingest.proc.wait_line(r"publish live/second refused: this connection already had its "
                          r"publish or play", 20)
    c.sock.close()
    h.wait_for(lambda: [e for e in ingest.events() if e["type"] == "connection_close"], 30,
               "connection_close")
    evs = ingest.events()
    stop = [e for e in evs if e["type"] == "publish_stop"]
    h.check(len(stop) == 1 and stop[0]["data"]["reason"] == "client", f"publish_stop: {stop}")
    h.check(not [e for e in evs if e["type"] == "publish_start" and e["stream_key"] == "live/second"],
            "live/second was published")

    c, sid = publishing(ingest.port, "third")
    c.send(r.command_msg("publish", 4, None, "third", "live", stream_id=sid, csid=4))
    c.wait_command(lambda m: status_code(m) == "NetStream.Publish.BadName", "second Publish.BadName")
    ingest.proc.wait_line(r"publish refused: this connection is already publishing", 20)
    c.sock.close()
    for cmd in ("publish", "play"):
        c = connected(ingest.port)
        c.send(r.command_msg(cmd, 3, None, "zero", "live", stream_id=0, csid=4))
        ingest.proc.wait_line(rf"{cmd} refused: on message stream 0", 20)
        c.sock.close()
    ingest.stop()


if __name__ == "__main__":
    h.run(main)
