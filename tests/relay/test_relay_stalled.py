#!/usr/bin/env python3
"""A target that stops reading is dropped within about -relay-timeout.

A relays one publish (about 0.9 Mbit/s) to B twice, each through a proxy; both
targets go live. Then one proxy stops reading what A sends (the connection stays
open). A's socket to it must not buffer megabytes before A notices: its
relay_stop (reason timeout) comes within -relay-timeout 3s plus a generous 15 s,
and its `bytes` are about what reached the proxy, not what A wrote into its
socket. The other target, which keeps reading, stays live to the end of the
publish (relay_stop reason source, no relay_error).
"""

import time

import relay_util as u
from relay_util import h

TIMEOUT = 3
DEADLINE = TIMEOUT + 15
# What the stalled connection may hold besides what reached the proxy: the
# proxy's receive buffer and what the kernel counts around it.
SLACK = 256 * 1024


def main(ctx):
    b = h.Ingest(ctx, name="b")
    stalling = u.StallProxy(b.port)
    reading = u.StallProxy(b.port)
    stalled_target = f"rtmp://127.0.0.1:{stalling.port}/live/cam_stall"
    reading_target = f"rtmp://127.0.0.1:{reading.port}/live/cam_read"
    a = h.Ingest(ctx, name="a", args=[
        "-relay-timeout", f"{TIMEOUT}s", "-relay-retry-min", "1s", "-relay-retry-max", "2s",
        "-relay-to", f"rtmp://127.0.0.1:{stalling.port}/live/{{name}}_stall",
        "-relay-to", f"rtmp://127.0.0.1:{reading.port}/live/{{name}}_read"])
    pub = h.Publisher(ctx, a.url("cam"), name="pub", duration=0, size="640x360", gop=30,
                      vbitrate="800k")
    u.wait_relay_events(a, "relay_start", 2, 60, "both targets live")
    pub.wait_frames(pub.frames() + 60, 60)  # two seconds of media through both

    stalling.stall()
    stalled_at = time.monotonic()

    def stop_of(target):
        return [e for e in u.relay_events(a, ("relay_stop",)) if e["data"]["target"] == target]
    h.wait_for(lambda: stop_of(stalled_target), DEADLINE,
               f"the stalled target's relay_stop within {DEADLINE}s", 0.1)
    took = time.monotonic() - stalled_at
    stop = stop_of(stalled_target)[0]
    h.log(f"stalled target dropped after {took:.1f}s: {stop['data']}; "
          f"the proxy forwarded {stalling.forwarded} bytes")
    h.check(stop["data"]["reason"] == "timeout", f"stalled target's relay_stop: {stop}")
    h.check(stop["data"]["bytes"] <= stalling.forwarded + SLACK,
            f"relay_stop bytes {stop['data']['bytes']}, but only {stalling.forwarded} "
            "reached the target")

    # The reading target goes on; a few more seconds of media, then a clean end.
    pub.wait_frames(pub.frames() + 90, 60)
    code = pub.quit()
    h.check(code == 0, f"publisher exit status {code}; see {pub.proc.stderr_path}")
    h.wait_for(lambda: any(e["type"] == "publish_stop" for e in a.events()), 30, "publish_stop")
    reading_events = [(e["type"], e["data"].get("reason", e["data"].get("error")))
                      for e in u.relay_events(a) if e["data"]["target"] == reading_target]
    h.check(reading_events == [("relay_start", None), ("relay_stop", "source")],
            f"the reading target's events: {reading_events}")
    u.check_relay_pairing(a, "live/cam")
    a.stop()
    stalling.close()
    reading.close()
    b.stop()


if __name__ == "__main__":
    h.run(main)
