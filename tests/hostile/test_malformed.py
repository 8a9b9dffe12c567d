#!/usr/bin/env python3
"""Malformed input from a raw-bytes client.

Each case of the issue's list runs against one rtmp-ingest while ffmpeg publishes 720p30
to it and an ffmpeg player records the stream. Fatal cases: the server closes that
connection (our socket sees EOF) with exactly one "closing:" log line naming the reason.
Non-fatal cases (an unknown command, play of a 10 kB name): the server answers (_error /
onStatus error) and the connection stays usable. Meanwhile the player keeps >= 95% of the
frames sent and the ingest's RSS stays under RSS_BOUND_MB (printed).
"""

import os
import random
import re
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402
import rtmp_raw as r  # noqa: E402

RSS_BOUND_MB = r.bound(200)
DURATION = 30  # publisher run, s
CASES_SECS = 15  # the cases repeat this long while the stream runs


def handshaken(port):
    c = r.RawClient(port)
    c.handshake()
    return c


def connected(port):
    c = handshaken(port)
    c.connect()
    return c


# Each case: (name, fatal, reason regex, run(port) -> RawClient). A fatal case leaves the
# client waiting for the server's EOF; a non-fatal one checks the answer itself.

def bad_version(port):
    c = r.RawClient(port)
    c.send(b"\x42" + os.urandom(1536))
    return c


def truncated_handshake(port):
    c = r.RawClient(port)
    c.send(b"\x03" + os.urandom(700))
    c.sock.shutdown(2)  # we close: the server sees EOF mid-handshake
    return c


def garbage_after_handshake(port):
    c = handshaken(port)
    c.send(random.Random(7).randbytes(64 * 1024))
    return c


def fmt1_without_fmt0(port):
    c = handshaken(port)
    # fmt 1 on csid 3: timestamp delta, length 10, type 20; no fmt 0 before it
    c.send(b"\x43" + b"\x00\x00\x00" + b"\x00\x00\x0a" + b"\x14" + b"\x00" * 10)
    return c


def fmt3_without_fmt0(port):
    c = handshaken(port)
    c.send(b"\xc5" + b"\x00" * 64)
    return c


def extended_timestamp_lie(port):
    """A 300-byte command whose fmt 0 header announces an extended timestamp, whose
    fmt 3 continuation chunks leave it out: the reader takes 4 payload bytes as the
    timestamp and the rest is out of step."""
    c = connected(port)
    payload = r.command("createStream", 2, None, "x" * 280)
    hdr = r.basic_header(0, 3) + b"\xff\xff\xff" + len(payload).to_bytes(3, "big") + \
        b"\x14" + struct.pack("<I", 0) + struct.pack(">I", 0x01000000)
    data = hdr + payload[:128]
    for pos in range(128, len(payload), 128):
        data += r.basic_header(3, 3) + payload[pos:pos + 128]  # no extended timestamp
    # then a normal message on another csid, whose bytes the reader is now misreading
    data += r.command_msg("deleteStream", 3, None, 1, csid=4)
    c.send(data + b"\xc3" + b"\xff" * 600)
    return c


def message_16mib(port):
    c = connected(port)
    # 16 MiB - 1: the most a 24-bit length field can say
    hdr = r.basic_header(0, 6) + b"\x00\x00\x00" + (0xFFFFFF).to_bytes(3, "big") + \
        b"\x09" + struct.pack("<I", 1)
    c.send(hdr + b"\x17" * 128)
    return c


def chunk_size_zero(port):
    c = handshaken(port)
    c.send(r.chunk_message(2, 1, struct.pack(">I", 0)))
    return c


def amf_string_overrun(port):
    c = handshaken(port)
    # "connect" announced as 65000 bytes long in a 20-byte message
    payload = b"\x02" + struct.pack(">H", 65000) + b"connect" + r.amf_num(1)[:5]
    c.send(r.chunk_message(3, 20, payload))
    return c


def deep_nesting(port):
    c = connected(port)
    depth = 10_000
    nested = (b"\x03" + r.amf_key("a")) * depth + b"\x05" + b"\x00\x00\x09" * depth
    c.send(r.chunk_message(3, 20, r.command("createStream", 2, None) + nested))
    return c


def unknown_command(port):
    c = connected(port)
    c.send(r.command_msg("totallyUnknownMethod", 7, None, "arg"))
    err = c.wait_command(lambda m: m[0] == "_error" and m[1] == 7, "_error for the unknown command")
    h.log(f"  unknown command answered: {err[:4]}")
    # still usable: createStream answers
    sid = c.create_stream(8)
    h.check(sid >= 1, f"createStream after the unknown command gave stream id {sid}")
    return c


def publish_before_connect(port):
    c = handshaken(port)
    c.send(r.command_msg("publish", 5, None, "sneaky", "live", stream_id=1, csid=8))
    return c


def play_10kb_name(port):
    c = connected(port)
    sid = c.create_stream(2)
    c.send(r.command_msg("play", 3, None, "n" * 10_000, stream_id=sid, csid=8))
    st = c.wait_command(lambda m: m[0] == "onStatus" and isinstance(m[-1], dict)
                        and m[-1].get("level") == "error", "onStatus error for the play")
    h.log(f"  10 kB play refused: {st[-1].get('code')} {st[-1].get('description')}")
    h.check(str(st[-1].get("code", "")).startswith("NetStream.Play."),
            f"play refusal code {st[-1].get('code')}")
    sid2 = c.create_stream(4)  # the connection stays
    h.check(sid2 >= 1, "createStream after the refused play")
    return c


def many_chunk_streams(port):
    c = connected(port)
    ack = struct.pack(">I", 0)
    data = b"".join(r.chunk_message(64 + i, 3, ack) for i in range(10_000))
    h.check(len(data) > 100_000, "10,000 chunk stream ids built")
    c.send(data)
    return c


PARTIAL_CAP = 16 * 1024 * 1024  # -max-partial-bytes default: 2 x -max-message-size


def partial_flood(port):
    """62 chunk streams (64 with the connect's csids 2 and 3) each announce an 8 MiB
    video message and send it 64 KiB at a time, round robin, none ever complete: up to
    96 MiB offered, which without a total cap the server would hold (62 x 8 MiB fit the
    per-message and per-csid limits). The server must close once 16 MiB are held; a
    reset stops our sending, well before the 96 MiB."""
    c = connected(port)
    chunk = 65536
    c.send(r.chunk_message(2, 1, struct.pack(">I", chunk)))
    body = b"\x17" * chunk
    csids = range(4, 66)
    sent, offered = 0, 96 * 1024 * 1024
    first = True
    while sent < offered:
        data = b"".join((r.basic_header(0, i) + b"\x00\x00\x00" + (8 << 20).to_bytes(3, "big")
                         + b"\x09" + struct.pack("<I", 1) if first else r.basic_header(3, i))
                        + body for i in csids)
        first = False
        if not c.send(data):
            break
        sent += len(data)
    h.log(f"  {sent / 2**20:.1f} MiB accepted by the socket before the reset")
    h.check(sent < PARTIAL_CAP + 24 * 1024 * 1024,
            f"the server took {sent} bytes of incomplete messages without closing")
    return c


CASES = [
    ("bad version byte", True, r"closing: protocol error: handshake: unsupported RTMP version 66",
     bad_version),
    ("truncated handshake then close", True, r"closing: peer closed", truncated_handshake),
    ("garbage after handshake", True, r"closing: protocol error: ", garbage_after_handshake),
    ("fmt 1 with no prior fmt 0", True, r"closing: protocol error: chunk fmt 1 .*no prior fmt 0",
     fmt1_without_fmt0),
    ("fmt 3 with no prior fmt 0", True, r"closing: protocol error: chunk fmt 3 .*no prior fmt 0",
     fmt3_without_fmt0),
    ("extended timestamp lie", True, r"closing: protocol error: ", extended_timestamp_lie),
    ("message length 16 MiB", True, r"closing: protocol error: message of 16777215 bytes exceeds",
     message_16mib),
    ("chunk size 0", True, r"closing: protocol error: Set Chunk Size 0 out of range",
     chunk_size_zero),
    ("AMF string longer than its message", True, r"closing: protocol error: malformed command",
     amf_string_overrun),
    ("objects nested 10,000 deep", True, r"closing: protocol error: .*nesting deeper",
     deep_nesting),
    ("unknown command", False, None, unknown_command),
    ("publish before connect", True, r'closing: protocol error: command "publish" before connect',
     publish_before_connect),
    ("play of a 10 kB stream name", False, None, play_10kb_name),
    ("10,000 chunk stream ids", True, r"closing: protocol error: more than 64 chunk streams",
     many_chunk_streams),
    ("62 chunk streams x 8 MiB incomplete messages", True,
     r"closing: protocol error: incomplete messages would hold \d+ bytes on \d+ chunk streams, "
     r"over the limit of 16777216", partial_flood),
]


def run_case(ingest, name, fatal, reason, fn, rss):
    h.log(f"case: {name}")
    c = fn(ingest.port)
    rss.sample()
    if fatal:
        h.check(c.wait_eof(20), f"{name}: the server did not close the connection within 20 s")
        line = r.wait_closing_line(ingest, c.addr)
        msg = line["msg"]
        h.log(f"  closed: {msg!r} ({line.get('level')})")
        h.check(re.search(reason, msg), f"{name}: closing line {msg!r} does not match /{reason}/")
    else:
        # Still open: nothing closed it server-side, and it answers (checked by fn).
        h.check(not r.closing_lines(ingest, c.addr),
                f"{name}: the server logged a close for a non-fatal case")
        h.check(not c.wait_eof(1.0), f"{name}: the server closed the connection")
        c.close()
        r.wait_closing_line(ingest, c.addr)
    # exactly one closing line for this connection, a moment later too
    time.sleep(0.2)
    lines = r.closing_lines(ingest, c.addr)
    h.check(len(lines) == 1, f"{name}: {len(lines)} closing lines for {c.addr}: {lines}")
    c.close()
    rss.sample()


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip("rtmp-ingest only")
    ingest = h.Ingest(ctx, args=["-idle-timeout", "5s"], stdio_events=False)
    rss = r.RssSampler(ingest.proc.pid)
    rss.sample()
    url = ingest.url("steady")

    player = h.ffmpeg_player(ctx, url, "player.flv")
    h.wait_ffmpeg_play_sent(player)
    pub = h.Publisher(ctx, url, duration=DURATION, gop=60)
    pub.wait_frames(30, 60)
    f0, t0 = pub.frames(), time.monotonic()

    # Every case at least twice, and again until CASES_SECS have passed.
    rounds = 0
    while rounds < 2 or time.monotonic() - t0 < CASES_SECS:
        rounds += 1
        h.log(f"round {rounds}")
        for name, fatal, reason, fn in CASES:
            run_case(ingest, name, fatal, reason, fn, rss)
    t1 = time.monotonic()
    f1 = pub.frames()
    rate = (f1 - f0) / (t1 - t0)
    h.log(f"publisher frame rate during the cases: {rate:.1f} fps over {t1 - t0:.1f} s")
    h.check(rate >= 27, f"publisher frame rate {rate:.1f} fps during the cases, want ~30")

    code = pub.wait(DURATION * 4 + 60)
    h.check(code == 0, f"publisher exit status {code}; see {pub.proc.stderr_path}")
    sent = pub.packets_muxed()
    sent_video = sent.get("video") or pub.frames()
    h.stop_player(player, ctx.path("player.flv"))
    counts = h.check_recording(ctx.path("player.flv"), "player", sent_video, sent.get("audio"))
    h.log(f"player frames: {counts.get('video')} of {sent_video} sent "
          f"({counts.get('video', 0) / max(sent_video, 1):.1%})")

    rss.sample()
    peak = rss.peak_mb()
    h.log(f"ingest RSS peak {peak:.1f} MB over {len(rss.samples)} samples (bound {RSS_BOUND_MB} MB)")
    h.check(peak < RSS_BOUND_MB, f"ingest RSS peak {peak:.1f} MB >= {RSS_BOUND_MB} MB")

    # The steady publisher and player were never closed by a protocol error.
    errs = [l for l in r.log_lines(ingest) if "protocol error" in str(l.get("msg"))
            and l.get("stream_key") == "live/steady"]
    h.check(not errs, f"the steady stream saw protocol errors: {errs}")
    ingest.stop()
    r.check_sanitizer_clean(ctx)


if __name__ == "__main__":
    h.run(main)
