#!/usr/bin/env python3
"""A target that accepts the publish and drops it at once is backed off.

nginx-rtmp with `deny publish all` answers the relay's publish with
NetStream.Publish.Start and then closes the connection. Each such connection
did not work: A's relay_error `attempt` grows 1, 2, 3, ... and `retry_in_sec`
grows with it (-relay-retry-min 200ms, -relay-retry-max 2s), instead of a
reconnect every -relay-retry-min with attempt 1 forever. The publisher goes on
untouched."""

import relay_util as u
from relay_util import h

SECONDS = 12


def main(ctx):
    nginx = h.NginxRtmp(ctx, extra_app="allow publish 10.9.9.9; deny publish all;")
    a = h.Ingest(ctx, name="a", args=["-relay-to", f"rtmp://127.0.0.1:{nginx.port}/live",
                                      "-relay-retry-min", "200ms", "-relay-retry-max", "2s"])
    pub = h.Publisher(ctx, a.url("cam"), name="pub", duration=SECONDS, size="320x240",
                      vbitrate="300k")
    errors = u.wait_relay_events(a, "relay_error", 5, 60, "5 relay_errors")
    code = pub.wait(SECONDS + 60)
    h.check(code == 0, f"publisher exit status {code}; see {pub.proc.stderr_path}")
    h.wait_for(lambda: any(e["type"] == "publish_stop" for e in a.events()), 30, "publish_stop")
    errors = u.relay_events(a, ("relay_error",))
    attempts = [e["data"]["attempt"] for e in errors]
    waits = [e["data"]["retry_in_sec"] for e in errors]
    h.log(f"{len(errors)} relay_errors: attempts {attempts}, retry_in_sec {waits}")
    h.check(attempts == list(range(1, len(attempts) + 1)),
            f"attempts {attempts}: a connection dropped at once reset the backoff")
    h.check(max(waits) >= 1.6, f"retry_in_sec never neared -relay-retry-max 2s: {waits}")
    starts = u.relay_events(a, ("relay_start",))
    h.check(len(starts) <= len(errors) and len(errors) <= 15,
            f"{len(starts)} relay_starts and {len(errors)} relay_errors in {SECONDS}s")
    u.check_relay_pairing(a, "live/cam")
    a.stop()


if __name__ == "__main__":
    h.run(main)
