#!/usr/bin/env python3
"""What one relay target costs beside one more player.

Server A's CPU (utime+stime from /proc) over a 15 s ffmpeg publish (720p30) with
one base player, plus either one more ffmpeg player or one -relay-to target (a
second rtmp-ingest), the two alternating, ROUNDS rounds (default 3), with the
load average beside each figure so a noisy host shows.

    RTMP_INGEST_BIN=build/bin/rtmp-ingest python3 bench/relay_cost.py
"""
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "integration"))
os.environ.setdefault("RTMP_INGEST_BIN", str(ROOT / "build" / "bin" / "rtmp-ingest"))
import harness as h  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")

def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TICK

def one(ctx, tag, mode):
    b = h.Ingest(ctx, name=f"b_{tag}", stdio_events=False) if mode == "relay" else None
    args = ["-relay-to", f"rtmp://127.0.0.1:{b.port}/live"] if b else []
    a = h.Ingest(ctx, name=f"a_{tag}", args=args, stdio_events=False)
    players = [h.ffmpeg_player(ctx, a.url("cam"), f"{tag}_base.flv", name=f"p0_{tag}")]
    if mode == "player":
        players.append(h.ffmpeg_player(ctx, a.url("cam"), f"{tag}_x.flv", name=f"p1_{tag}"))
    for p in players:
        h.wait_ffmpeg_play_sent(p)
    c0 = cpu(a.proc.p.pid)
    pub = h.Publisher(ctx, a.url("cam"), name=f"pub_{tag}", duration=15, gop=60)
    pub.wait(90)
    c1 = cpu(a.proc.p.pid)
    for p in players:
        h.stop_player(p, None, timeout=5)
    a.stop(None)
    if b:
        b.stop(None)
    return c1 - c0

def main(ctx):
    res = {"player": [], "relay": []}
    for i in range(int(os.environ.get("ROUNDS", "3"))):
        for mode in ("player", "relay"):
            load = os.getloadavg()[0]
            c = one(ctx, f"{mode}{i}", mode)
            res[mode].append(c)
            print(f"round {i} {mode}: A cpu {c:.3f} s over 15 s media (load {load:.2f})", flush=True)
    for mode, runs in res.items():
        print(f"{mode}: median {sorted(runs)[len(runs) // 2]:.3f} s of A's CPU", flush=True)

h.run(main)
