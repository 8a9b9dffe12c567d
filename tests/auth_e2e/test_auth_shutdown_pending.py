#!/usr/bin/env python3
"""SIGTERM while a publish and a play wait for the auth callback.

The receiver never answers them in time. The server must still exit once the
callback's own timeout (-auth-callback-timeout 2s) releases the two sessions,
far inside -shutdown-timeout (60 s): no "sessions still open" warning, exit
status 0, and each connection's connection_close with reason shutdown (nothing
started, nothing refused after the signal).
"""

import time
import auth_common as a
from auth_common import h

NEVER = 120.0  # the receiver's delay: longer than the whole test
CALLBACK_TIMEOUT = "2s"
SHUTDOWN_TIMEOUT = 60
# Exit comes 2 s after the callbacks at most; the bound leaves room for a
# loaded machine and sanitizers, and is still far below -shutdown-timeout.
EXIT_WITHIN = 30.0


def main(ctx):
    a.require_ingest()
    receiver = a.CallbackReceiver(lambda body: (200, NEVER))
    try:
        server = h.Ingest(ctx, args=["-auth-mode", "callback", "-auth-callback", receiver.url,
                                     "-auth-callback-timeout", CALLBACK_TIMEOUT,
                                     "-shutdown-timeout", f"{SHUTDOWN_TIMEOUT}s"])
        base = f"rtmp://127.0.0.1:{server.port}/live"
        a.publisher(ctx, f"{base}/pending", "pub_pending")
        h.wait_for(lambda: receiver.for_key("live/pending", "publish"), 60,
                   "the publish's callback")
        a.player(ctx, f"{base}/pending", "play_pending")
        h.wait_for(lambda: receiver.for_key("live/pending", "play"), 60, "the play's callback")

        t0 = time.monotonic()
        code = server.stop(timeout=SHUTDOWN_TIMEOUT + 30)
        took = time.monotonic() - t0
        h.log(f"rtmp-ingest exited {took:.1f}s after SIGTERM (status {code})")
        h.check("still open" not in server.log_text(),
                "shutdown waited out -shutdown-timeout for sessions held by pending callbacks")
        h.check(took < EXIT_WITHIN, f"exit took {took:.1f}s, want < {EXIT_WITHIN}s "
                                    f"(-auth-callback-timeout {CALLBACK_TIMEOUT})")

        evs = server.events()
        h.check(not a.of_type(evs, "publish_start") and not a.of_type(evs, "play_start"),
                "a role started after the signal")
        opened = {e["conn_id"] for e in a.of_type(evs, "connection_accept")}
        closes = a.of_type(evs, "connection_close")
        h.check(len(opened) == 2 and len(closes) == 2 and
                {e["conn_id"] for e in closes} == opened,
                f"connection_accept {sorted(opened)} vs connection_close "
                f"{[e['conn_id'] for e in closes]}")
        h.check(all(e["data"].get("reason") == "shutdown" for e in closes),
                f"close reasons {[e['data'].get('reason') for e in closes]}")
    finally:
        receiver.close()


if __name__ == "__main__":
    h.run(main)
