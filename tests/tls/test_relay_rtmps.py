#!/usr/bin/env python3
"""rtmps:// relay targets, verified.

B is an rtmp-ingest with a TLS listener whose certificate (for 127.0.0.1) is
signed by a CA this test makes with openssl. A relays to
rtmps://127.0.0.1:B_TLS/live with -relay-ca that CA: an ffmpeg player on B's
plain port records the stream (h264 + aac, >= 95% of the frames sent), and
B's connection_accept for the relay says protocol rtmps. A second A, given
another CA as -relay-ca, is refused by its own verification: relay_error
says the certificate verification failed, and B sees no publish from it. A
third A, with the right CA, relays to a B whose certificate names another host
(other.test): relay_error names the reason, IP address mismatch.
A -relay-ca file that is not a CA is a one-line startup error, exit 2.

Usage: test_relay_rtmps.py  (RTMP_INGEST_BIN from CMake;
RTMP_TLS_TEST_SECONDS, default 10, the publish length)"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness as h  # noqa: E402
import tls_util as t  # noqa: E402

SECONDS = int(os.environ.get("RTMP_TLS_TEST_SECONDS", "10"))


def of_type(ingest, type_):
    return [e for e in ingest.events() if e["type"] == type_]


def main(ctx):
    ca = t.make_ca(ctx, "relay-ca")
    wrong_ca = t.make_ca(ctx, "wrong-ca")
    cert, key = t.make_leaf(ctx, "b", ca)

    garbage = ctx.path("garbage.pem")
    with open(garbage, "w") as f:
        f.write("not a certificate\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RTMP_INGEST_")}
    p = subprocess.run([h.ingest_binary(), "-listen", f"127.0.0.1:{h.free_port()}",
                        "-relay-to", "rtmps://127.0.0.1:1/live", "-relay-ca", garbage],
                       capture_output=True, text=True, timeout=30, env=env)
    lines = p.stderr.strip().splitlines()
    h.check(p.returncode == 2 and len(lines) == 1 and "-relay-ca" in lines[0],
            f"bad -relay-ca: exit {p.returncode}, stderr {p.stderr!r}")
    h.log(f"bad -relay-ca: {lines[0]}")

    b_tls = h.free_port()
    b = h.Ingest(ctx, name="b", args=["-tls-listen", f"127.0.0.1:{b_tls}", "-tls-cert", cert,
                                      "-tls-key", key])
    h.wait_port(b_tls)
    target = f"rtmps://127.0.0.1:{b_tls}/live"
    a = h.Ingest(ctx, name="a", args=["-relay-to", target, "-relay-ca", ca[0]])
    a_wrong = h.Ingest(ctx, name="a-wrong", args=["-relay-to", target, "-relay-ca", wrong_ca[0],
                                                  "-relay-retry-min", "1s"])
    # The right CA, but a certificate for another name than the target's address.
    other_cert, other_key = t.make_leaf(ctx, "other", ca, san="DNS:other.test")
    b_other_tls = h.free_port()
    b_other = h.Ingest(ctx, name="b-other", args=["-tls-listen", f"127.0.0.1:{b_other_tls}",
                                                  "-tls-cert", other_cert, "-tls-key", other_key])
    h.wait_port(b_other_tls)
    a_name = h.Ingest(ctx, name="a-name", args=["-relay-to", f"rtmps://127.0.0.1:{b_other_tls}/live",
                                                "-relay-ca", ca[0], "-relay-retry-min", "1s"])

    player = h.ffmpeg_player(ctx, f"rtmp://127.0.0.1:{b.port}/live/x", "b-player.flv",
                             name="b-player")
    h.wait_ffmpeg_play_sent(player)
    pub = h.Publisher(ctx, a.url("x"), name="pub", duration=SECONDS)
    wrong_pub = h.Publisher(ctx, a_wrong.url("y"), name="pub-wrong", duration=SECONDS,
                            size="320x240", vbitrate="300k")
    h.wait_for(lambda: of_type(a, "relay_start"), 30, "A's relay_start")
    errs = h.wait_for(lambda: of_type(a_wrong, "relay_error"), 30, "relay_error with a wrong CA")
    err = errs[0]["data"].get("error", "")
    h.check("certificate verification failed" in err,
            f"relay_error with a wrong CA says {err!r}, want 'certificate verification failed'")
    h.log(f"wrong CA: relay_error {errs[0]['data']}")
    name_pub = h.Publisher(ctx, a_name.url("z"), name="pub-name", duration=SECONDS,
                           size="320x240", vbitrate="300k")
    errs = h.wait_for(lambda: of_type(a_name, "relay_error"), 30,
                      "relay_error with a certificate for another name")
    err = errs[0]["data"].get("error", "")
    h.check("certificate verification failed: IP address mismatch" in err,
            f"relay_error with a certificate for another name says {err!r}, want the reason "
            f"'IP address mismatch'")
    h.check(not of_type(b_other, "publish_start"), "B accepted a publish from a failed relay")
    h.log(f"another name: relay_error {errs[0]['data']}")

    for pp in (pub, wrong_pub, name_pub):
        code = pp.wait(SECONDS + 60)
        h.check(code == 0, f"{pp.name} exited {code}; see {pp.proc.stderr_path}")
    sent = pub.packets_muxed()
    h.stop_player(player, ctx.path("b-player.flv"))
    h.check_recording(ctx.path("b-player.flv"), "B's player (relayed over rtmps)", sent["video"],
                      sent.get("audio"))
    h.check(not of_type(a, "relay_error"), f"A (right CA) had relay_error {of_type(a, 'relay_error')}")
    b_pubs = [e for e in of_type(b, "publish_start")]
    h.check([e["stream_key"] for e in b_pubs] == ["live/x"],
            f"B's publishes {[e['stream_key'] for e in b_pubs]}, want only live/x")
    acc = [e for e in of_type(b, "connection_accept") if e["conn_id"] == b_pubs[0]["conn_id"]]
    h.check(acc and acc[0]["data"].get("protocol") == "rtmps",
            f"the relay's connection_accept on B: {acc}")
    h.check(f"relay started target={target}/x" in a.log_text(), "A's log has no relay started")
    for i in (a, a_wrong, a_name, b, b_other):
        i.stop()


if __name__ == "__main__":
    h.run(main)
