#!/usr/bin/env python3
"""What an RTMPS player costs beside a plain one.

One rtmp-ingest with a TLS listener (certificate made with openssl by the
tests' helper), one 720p 2.5 Mbit/s ffmpeg publisher, then N ffmpeg players
(`-c copy -f null`) over rtmp and N over rtmps, alternating, REPS rounds: the
ingest's CPU (utime+stime from /proc) over SECS seconds of each, with the load
average beside each figure so a noisy host shows.

    N=10 SECS=12 REPS=3 RTMP_INGEST_BIN=build/bin/rtmp-ingest python3 bench/rtmps_cost.py
"""
import os
import pathlib
import signal
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "integration"))
sys.path.insert(0, str(ROOT / "tests" / "tls"))
os.environ.setdefault("RTMP_INGEST_BIN", str(ROOT / "build" / "bin" / "rtmp-ingest"))
import harness as h  # noqa: E402
import tls_util as t  # noqa: E402

N = int(os.environ.get("N", "10"))
SECS = int(os.environ.get("SECS", "15"))
REPS = int(os.environ.get("REPS", "2"))


def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def main(ctx):
    ca = t.make_ca(ctx, "ca")
    cert, key = t.make_leaf(ctx, "s", ca)
    tp = h.free_port()
    ing = h.Ingest(ctx, args=["-tls-listen", f"127.0.0.1:{tp}", "-tls-cert", cert, "-tls-key", key],
                   stdio_events=False)
    pub = h.Publisher(ctx, ing.url("b"), duration=0, size="1280x720", vbitrate="2500k")
    pub.wait_frames(60, 60)
    res = {"rtmp": [], "rtmps": []}
    for rep in range(REPS):
        for kind in ("rtmp", "rtmps"):
            url = f"rtmps://127.0.0.1:{tp}/live/b" if kind == "rtmps" else ing.url("b")
            ps = [ctx.proc(f"p{rep}{kind}{i}", ["ffmpeg", "-nostdin", "-v", "error", "-i", url,
                                                 "-c", "copy", "-f", "null", "-"]) for i in range(N)]
            time.sleep(3)  # a benchmark, not a test: let the players settle before measuring
            c0, t0 = cpu(ing.proc.pid), time.monotonic()
            time.sleep(SECS)
            c1, t1 = cpu(ing.proc.pid), time.monotonic()
            load = open("/proc/loadavg").read().split()[0]
            share = 100 * (c1 - c0) / (t1 - t0)
            res[kind].append(share)
            h.log(f"{kind} rep {rep}: {N} players, ingest CPU {share:.1f}% of a core, load {load}")
            for p in ps:
                p.stop(signal.SIGKILL, 5)
            time.sleep(1)
    pub.proc.stop(signal.SIGKILL, 5)
    for kind, runs in res.items():
        h.log(f"{kind}: median {sorted(runs)[len(runs) // 2]:.1f}% of a core with {N} players")


h.run(main)
