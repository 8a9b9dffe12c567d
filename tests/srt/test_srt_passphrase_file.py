#!/usr/bin/env python3
"""Per-stream SRT passphrases (-srt-passphrase-file, two keys): each stream is
accepted with its own passphrase and refused with the other's, a stream the file
does not list is refused; after the file changes and SIGHUP, the new passphrase
is accepted and the old one refused."""
import json
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import srt_util as u  # noqa: E402
import harness as h  # noqa: E402

PA, PB, PA2 = "passphrase-of-a", "passphrase-of-b", "new-passphrase-of-a"


def main(ctx):
    path = ctx.path("srt-pass.json")
    with open(path, "w") as f:
        json.dump({"live/a": PA, "live/b": PB}, f)
    ing, port = u.start_ingest(ctx, ["-srt-passphrase-file", path])

    u.publish_ok(ctx, ing, port, "live/a", "a_own", passphrase=PA)
    u.publish_ok(ctx, ing, port, "live/b", "b_own", passphrase=PB)
    u.publish_refused(ctx, ing, port, "live/a", "a_with_b",
                      r"refused in the handshake: wrong passphrase.*live/a", passphrase=PB)
    u.publish_refused(ctx, ing, port, "live/b", "b_with_a",
                      r"refused in the handshake: wrong passphrase.*live/b", passphrase=PA)
    u.publish_refused(ctx, ing, port, "live/c", "c_unlisted",
                      r"SRT caller refused: no passphrase for this stream.*live/c", passphrase=PA)

    with open(path, "w") as f:
        json.dump({"live/a": PA2, "live/b": PB}, f)
    ing.proc.send_signal(signal.SIGHUP)
    ing.proc.wait_line(r"SRT passphrase file .* reloaded: 2 entries", 20)
    u.publish_refused(ctx, ing, port, "live/a", "a_old_after_hup",
                      r"(?s)reloaded.*refused in the handshake: wrong passphrase.*live/a",
                      passphrase=PA)
    u.publish_ok(ctx, ing, port, "live/a", "a_new_after_hup", passphrase=PA2)
    ing.stop()


if __name__ == "__main__":
    h.run(main)
