#!/usr/bin/env python3
"""SRT on a lossy link: a UDP proxy drops 2% of the datagrams at random in both
directions between ffmpeg (the SRT caller) and rtmp-ingest (-srt-latency 1000).
SRT's retransmissions within the latency window keep the stream whole: the
ffmpeg RTMP player records >= 98% of the frames sent, and they decode cleanly.

The window is a second, not SRT's 120 ms default: the proxy is a Python process
and the ingest may run under a sanitizer on a loaded machine, and a packet whose
retransmission misses the window is dropped by SRT (the frame then fails to
decode). A second holds even a lost retransmission request and its repeat.

SRT_TEST_SECONDS sets the publish length (default 10); SRT_TEST_LOSS the
fraction dropped (default 0.02); SRT_TEST_LATENCY_MS the window (default 1000)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import srt_util as u  # noqa: E402
import harness as h  # noqa: E402

SECONDS = int(os.environ.get("SRT_TEST_SECONDS", "10"))
LOSS = float(os.environ.get("SRT_TEST_LOSS", "0.02"))
LATENCY_MS = int(os.environ.get("SRT_TEST_LATENCY_MS", "1000"))


def main(ctx):
    ing, port = u.start_ingest(ctx, ["-srt-latency", str(LATENCY_MS)])
    proxy_port = u.free_udp_port()
    proxy = ctx.proc("proxy", [sys.executable, "-u", os.path.join(u.HERE, "udp_loss_proxy.py"),
                               str(proxy_port), str(port), str(LOSS)])
    proxy.wait_line(r"listening on \d+", 20)

    player = h.ffmpeg_player(ctx, ing.url("lossy"), "lossy.flv")
    h.wait_ffmpeg_play_sent(player)
    # linger: the caller's last packets are delivered before it closes (without
    # it, what sits in the receiver's latency window when the caller goes is lost).
    pub = u.SrtPublisher(ctx, u.srt_url(proxy_port, "publish:live/lossy", latency=LATENCY_MS * 1000,
                                        linger=3), duration=SECONDS)
    code = pub.wait(SECONDS + 60)
    h.check(code == 0, f"ffmpeg exit {code}; see {pub.proc.stderr_path}")
    sent = pub.frames()
    h.stop_player(player, ctx.path("lossy.flv"))
    proxy.stop()
    h.log("proxy: " + " | ".join(proxy.stdout().strip().splitlines()[-2:]))
    dropped = sum(int(n) for n in __import__("re").findall(r"dropped (\d+)", proxy.stdout()))
    h.check(dropped > 0, f"the proxy dropped nothing: {proxy.stdout()}")
    h.check_recording(ctx.path("lossy.flv"), "RTMP player behind a 2% lossy SRT link", sent,
                      None, 0.98)
    errors = h.decode_errors(ctx.path("lossy.flv"))
    h.check(errors == "", f"decoding the player's recording: {errors[:500]}")
    ing.stop()


if __name__ == "__main__":
    h.run(main)
