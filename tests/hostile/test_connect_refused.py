#!/usr/bin/env python3
"""A connect that names no app is refused: _error, then the server closes.

Raw-socket clients finish the handshake and send a connect with nothing in it (no
transaction id, no command object), one with a transaction id only, one with a null
command object, one whose command object has no app. Each gets `_error`
(NetConnection.Connect.Rejected) for its connect, then EOF, and the ingest logs exactly
one "closing:" line naming that client's address and the reason. A proper connect on
the same server still gets `_result`. (Checked to fail against the server that answered
such connects with _result and kept the connection.)
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402
import rtmp_raw as r  # noqa: E402

CASES = [
    ("no transaction id, no command object", r.amf_str("connect"), "without a command object"),
    ("transaction id only", r.amf_str("connect") + r.amf_num(1), "without a command object"),
    ("null command object", r.command("connect", 1, None), "without a command object"),
    ("command object without app",
     r.command("connect", 1, {"tcUrl": "rtmp://127.0.0.1/live", "flashVer": "LNX 9,0,124,2"}),
     "without app"),
]


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip("rtmp-ingest only")
    ingest = h.Ingest(ctx, stdio_events=False)
    for what, payload, reason in CASES:
        c = r.RawClient(ingest.port)
        c.handshake()
        c.send(r.chunk_message(3, 20, payload))
        reply = c.wait_command(lambda cmd: cmd[0] in ("_result", "_error"), f"an answer ({what})")
        h.check(reply[0] == "_error", f"{what}: answered {reply}")
        info = reply[3] if len(reply) > 3 and isinstance(reply[3], dict) else {}
        h.check(info.get("code") == "NetConnection.Connect.Rejected",
                f"{what}: _error code {info.get('code')!r}")
        h.check(c.wait_eof(r.bound(10)), f"{what}: the server kept the connection open")
        line = r.wait_closing_line(ingest, c.addr)
        h.log(f"{what}: _error, EOF, log: {line.get('level')} {line['msg']!r} "
              f"remote_addr={line.get('remote_addr')}")
        h.check(reason in line["msg"], f"{what}: closing line {line['msg']!r} lacks {reason!r}")
        c.close()
        h.check(len(r.closing_lines(ingest, c.addr)) == 1,
                f"{what}: {len(r.closing_lines(ingest, c.addr))} closing lines for {c.addr}")

    good = r.RawClient(ingest.port)
    good.handshake()
    reply = good.connect()
    h.check(reply[0] == "_result", f"a proper connect was answered {reply}")
    good.close()
    ingest.stop()
    r.check_sanitizer_clean(ctx)


if __name__ == "__main__":
    h.run(main)
