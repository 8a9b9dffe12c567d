#!/usr/bin/env python3
"""Many players join a live stream mid-GOP at once, each sending control messages while
it joins (so its connection's strand is busy reading and writing when the publisher
takes it on). Every player must receive the stream in order:

  - metadata and sequence headers before any audio or video frame,
  - the first video frame a keyframe (the GOP cache),
  - audio and video timestamps never going backwards.

A live message written before the GOP burst (a join-order race) shows up here as an
audio or video timestamp that goes back when the cached GOP follows it.
"""

import os
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402
import rtmp_raw as r  # noqa: E402

FPS = 30
GOP = 60          # 2 s
PLAYERS = 40
ROUNDS = 3
RECEIVE_SECS = 2.5

# A Set Buffer Length user control message (event 3): harmless, and read by the server.
SET_BUFFER = r.chunk_message(2, 4, struct.pack(">HII", 3, 1, 3000))


def join_and_check(port, key, out, idx):
    problems = []
    try:
        c = r.RawClient(port, timeout=60)
        c.handshake()
        c.connect()
        sid = c.create_stream(2)
        c.send(r.command_msg("play", 3, None, key, stream_id=sid, csid=8))
        # Keep the server reading from us while it attaches us to the publisher.
        deadline = time.monotonic() + RECEIVE_SECS
        while time.monotonic() < deadline:
            c.send(SET_BUFFER)
            if not c.pump(0.002):
                problems.append("EOF while playing")
                break
        media = [(t, payload, ts) for t, _, payload, ts in c.msgs if t in (8, 9, 18)]
        c.close()
        problems += order_problems(media)
        if not any(t == 9 for t, _, _ in media):
            problems.append("no video received")
    except Exception as e:  # noqa: BLE001 — any failure is this player's finding
        problems.append(f"{type(e).__name__}: {e}")
    out[idx] = problems


def order_problems(media):
    problems = []
    last = {8: None, 9: None}
    configs = set()
    first_video = True
    for i, (t, payload, ts) in enumerate(media):
        if t == 18:
            continue
        if not payload:
            continue
        if t == 9:
            is_config = (payload[0] & 0x0F) == 7 and len(payload) > 1 and payload[1] == 0
            if not is_config and "video" not in configs:
                problems.append(f"message {i}: video frame (ts {ts}) before the AVC sequence header")
            if is_config:
                configs.add("video")
                continue
            if first_video:
                first_video = False
                if payload[0] >> 4 != 1:
                    problems.append(f"message {i}: first video frame (ts {ts}) is not a keyframe")
        else:
            is_config = (payload[0] >> 4) == 10 and len(payload) > 1 and payload[1] == 0
            if is_config:
                configs.add("audio")
                continue
            if "audio" not in configs:
                problems.append(f"message {i}: audio frame (ts {ts}) before the AAC sequence header")
        if last[t] is not None and ts < last[t]:
            kind = "video" if t == 9 else "audio"
            problems.append(f"message {i}: {kind} timestamp went back {last[t]} -> {ts}")
        last[t] = ts
    return problems[:5]


def main(ctx):
    server = h.start_server(ctx, wait_key=True)
    key = "massjoin"
    pub = h.Publisher(ctx, server.url(key), duration=60, gop=GOP)
    pub.wait_frames(int(2.5 * FPS), 60)  # past the first keyframe: the GOP cache has a GOP

    for rnd in range(ROUNDS):
        results = [None] * PLAYERS
        threads = [threading.Thread(target=join_and_check, args=(server.port, key, results, i))
                   for i in range(PLAYERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        h.check(all(res is not None for res in results), f"round {rnd}: a player thread hung")
        bad = [(i, res) for i, res in enumerate(results) if res]
        h.log(f"round {rnd}: {PLAYERS - len(bad)}/{PLAYERS} players in order")
        h.check(not bad, f"round {rnd}: players out of order: {bad[:5]}")
        h.check(pub.proc.running(), "publisher ended early")

    code = pub.quit()
    h.check(code == 0, f"publisher exit status {code}; see {pub.proc.stderr_path}")
    server.stop()


if __name__ == "__main__":
    h.run(main)
