#!/usr/bin/env python3
"""An SRT publish ends with its stop events on every way out: kicked through the
API (publish_stop and connection_close say kicked, with packet counts), the
caller going away (disconnect), and server shutdown (SIGTERM: shutdown, exit 0)."""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import srt_util as u  # noqa: E402
import harness as h  # noqa: E402

sys.path.insert(0, os.path.join(u.HERE, "..", "api"))
import api_util as api  # noqa: E402


def wait_publishing(ing, key, n):
    h.wait_for(lambda: len([e for e in ing.events() if e["type"] == "codec_detected"
                            and e["stream_key"] == key]) >= n, 30, f"{key} publishing")


def close_of(ing, conn_id):
    return [e for e in u.conn_events(ing, conn_id) if e["type"] == "connection_close"]


def main(ctx):
    ing, port = u.start_ingest(ctx, ["-api-addr", "127.0.0.1:0"])
    api_port = api.api_port_from_log(ing)

    # Kick through the API.
    pub = u.SrtPublisher(ctx, u.srt_url(port, "publish:live/k"), name="kicked", duration=30)
    wait_publishing(ing, "live/k", 2)
    st, body, _ = api.request(api_port, "POST", "/api/v1/streams/live/k/kick")
    h.check(st == 200, f"kick: {st} {body}")
    stop = h.wait_for(lambda: u.publish_stops(ing, "live/k"), 10, "publish_stop after kick")[0]
    h.check(stop["data"]["reason"] == "kicked" and stop["data"]["video_packets"] > 0,
            f"publish_stop after kick: {stop}")
    close = h.wait_for(lambda: close_of(ing, stop["conn_id"]), 10, "connection_close")[0]
    h.check(close["data"]["reason"] == "kicked" and close["data"]["role"] == "publisher",
            f"connection_close after kick: {close}")
    pub.proc.stop(signal.SIGKILL, 10)

    # The caller goes away (SIGKILL: no goodbye; libsrt notices the silence).
    pub = u.SrtPublisher(ctx, u.srt_url(port, "publish:live/d"), name="vanished", duration=30)
    wait_publishing(ing, "live/d", 2)
    pub.proc.stop(signal.SIGKILL, 10)
    stop = h.wait_for(lambda: u.publish_stops(ing, "live/d"), 30, "publish_stop after kill")[0]
    h.check(stop["data"]["reason"] in ("disconnect", "idle_timeout"), f"publish_stop: {stop}")
    h.wait_for(lambda: close_of(ing, stop["conn_id"]), 10, "connection_close after kill")

    # Shutdown while publishing.
    pub = u.SrtPublisher(ctx, u.srt_url(port, "publish:live/s"), name="shutdown", duration=30)
    wait_publishing(ing, "live/s", 2)
    ing.stop()
    stop = u.publish_stops(ing, "live/s")
    h.check(len(stop) == 1 and stop[0]["data"]["reason"] == "shutdown", f"publish_stop: {stop}")
    close = close_of(ing, stop[0]["conn_id"])
    h.check(len(close) == 1 and close[0]["data"]["reason"] == "shutdown",
            f"connection_close: {close}")
    pub.proc.stop(signal.SIGKILL, 10)


if __name__ == "__main__":
    h.run(main)
