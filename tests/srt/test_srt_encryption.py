#!/usr/bin/env python3
"""SRT encryption (-srt-passphrase): callers with the passphrase are accepted at
pbkeylen 16 and 32 and publish; a wrong passphrase and no passphrase are refused
in the handshake, with a log line naming the caller and the stream, an
auth_failed event (error "wrong passphrase" / "not encrypted ...", the stream
key, the caller's address; no connection_accept goes with it, no connection
was made) and no publish_start. (Seen failing before: no event at all, so an
alert on auth_failed missed SRT credential failures.) A stream id that is not a publish is refused with a log line;
so is a token the authorizer refuses (auth_failed, as for RTMP). Bad flags
(-srt-pbkeylen 20, a passphrase under 10 characters): one line, exit 2."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import srt_util as u  # noqa: E402
import harness as h  # noqa: E402

PASS = "correct-horse-42"


def bad_flag(args, what):
    r = subprocess.run([h.ingest_binary(), "-listen", "127.0.0.1:0", *args],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    err = r.stderr.decode().strip()
    h.check(r.returncode == 2, f"{what}: exit {r.returncode}, want 2 ({err})")
    h.check(len(err.splitlines()) == 1 and what in err, f"{what}: stderr {err!r}")


def main(ctx):
    bad_flag(["-srt-listen", "127.0.0.1:0", "-srt-pbkeylen", "20"], "-srt-pbkeylen")
    bad_flag(["-srt-listen", "127.0.0.1:0", "-srt-passphrase", "short"], "-srt-passphrase")

    ing, port = u.start_ingest(ctx, ["-srt-passphrase", PASS, "-auth-token", "live/t=tok123",
                                     "-auth-actions", "publish"])
    for keylen in (16, 32):
        stop = u.publish_ok(ctx, ing, port, "live/t", f"aes{keylen}", duration=3,
                            query="?token=tok123", passphrase=PASS, pbkeylen=keylen)
        h.log(f"pbkeylen {keylen}: published {stop['data']['video_packets']} video frames")

    u.publish_refused(ctx, ing, port, "live/t", "wrongpass",
                      r"SRT caller refused in the handshake: wrong passphrase.*live/t.*127\.0\.0\.1:",
                      query="?token=tok123", passphrase="not-the-passphrase", pbkeylen=16)
    u.publish_refused(ctx, ing, port, "live/t", "nopass",
                      r"SRT caller refused in the handshake: not encrypted.*live/t.*127\.0\.0\.1:",
                      query="?token=tok123")
    for why in ("wrong passphrase", "not encrypted"):
        hit = h.wait_for(lambda: [e for e in ing.events() if e["type"] == "auth_failed"
                                  and e["data"]["error"].startswith(why)], 20,
                         f"auth_failed for {why!r}")[0]
        h.check(hit["stream_key"] == "live/t" and hit["data"]["action"] == "publish" and
                hit["data"]["remote_addr"].startswith("127.0.0.1:"), f"auth_failed {hit}")
        h.check(not [e for e in ing.events() if e["conn_id"] == hit["conn_id"] and
                     e["type"] != "auth_failed"], f"other events with {hit['conn_id']}")
    passphrase_refusals = len([e for e in ing.events() if e["type"] == "auth_failed"])
    # Not a publish: refused in the handshake by the stream id alone.
    # The line shows what was sent, up to its token, so a garbled id can be seen.
    pub = u.SrtPublisher(ctx, u.srt_url(port, "garbage?token=leak", passphrase=PASS),
                         name="garbage", duration=3)
    h.check(pub.wait(60) != 0, "garbage stream id: ffmpeg exit 0")
    line = ing.proc.wait_line(r"SRT caller refused: unrecognised stream id[^\n]*127\.0\.0\.1:"
                              r"[^\n]*", 20).group(0)
    h.check(re.search(r'sent \\?"garbage\.\.\.\\?"', line) and "leak" not in line,
            f"the refusal's line does not show the id without its token: {line}")
    # Encrypted, but the token does not pass the authorizer: auth_failed, no publish.
    before = len(u.publish_starts(ing, "live/t"))
    pub = u.SrtPublisher(ctx, u.srt_url(port, "#!::r=live/t?token=nope,m=publish", passphrase=PASS),
                         name="badtoken", duration=3)
    pub.wait(60)
    h.wait_for(lambda: len([e for e in ing.events() if e["type"] == "auth_failed"]) >
               passphrase_refusals, 20, "auth_failed")
    h.check(len(u.publish_starts(ing, "live/t")) == before, "bad token: publish_start emitted")
    ing.stop()
    h.check(len(u.publish_starts(ing, "live/t")) == 2,
            f"publish_starts: {u.publish_starts(ing, 'live/t')}")


if __name__ == "__main__":
    h.run(main)
