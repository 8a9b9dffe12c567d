#!/usr/bin/env python3
"""Slow hooks do not hold back the stdio hook.

rtmp-ingest runs the stdio hook beside a webhook to a receiver that accepts and
never answers and a script that sleeps, with one execution slot and a hook
queue of 2 (-hook-timeout 120s): after the first few events the queue is full
and the embedded hooks stop pulling. (The hooks are let go before the SIGTERM,
so the stop does not wait out their timeout.) Short TCP connections then make 2 events
each. Every one of them must reach stderr within the wait, once, in seq order,
while the slow executions still hang; the stdio counter in /metrics says the
same. Run once with each stdio format (json, env)."""

import os
import shlex
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402
import rtmp_raw as r  # noqa: E402

CONNECTIONS = 40
EVENTS = 2 * CONNECTIONS  # connection_accept + connection_close each


def env_seq(line):
    """RTMP_SEQ of an env-format line (None for another line)."""
    for word in shlex.split(line):
        if word.startswith("RTMP_SEQ="):
            return int(word.split("=", 1)[1])
    return None


def seqs_on_stderr(ingest, fmt):
    text = h.read_text(ingest.proc.stderr_path)
    if fmt == "json":
        return [e["seq"] for e in h.read_events(ingest.proc.stderr_path)]
    return [s for s in (env_seq(line) for line in text.splitlines() if line) if s is not None]


def one_format(ctx, fmt, hole):
    script = ctx.path(f"sleep-{fmt}.sh")
    with open(script, "w") as f:
        f.write(f"#!/bin/sh\nwhile [ ! -e {ctx.path('release')} ]; do sleep 0.1; done\n")
    os.chmod(script, 0o755)
    mport = h.free_port()
    ingest = h.Ingest(ctx, name=f"ingest-{fmt}", stdio_events=False,
                      args=["-hook-stdio-format", fmt,
                            "-hook-webhook", f"*=http://127.0.0.1:{hole.port}/hook",
                            "-hook-script", f"*={script}",
                            "-hook-concurrency", "1", "-hook-queue", "2",
                            "-hook-timeout", "120s", "-webhook-retries", "0",
                            "-shutdown-timeout", "2s",
                            "-metrics-addr", f"127.0.0.1:{mport}"])
    for _ in range(CONNECTIONS):
        s = socket.create_connection(("127.0.0.1", ingest.port), timeout=10)
        s.close()
    h.wait_for(lambda: len(seqs_on_stderr(ingest, fmt)) >= EVENTS, 60,
               f"{EVENTS} {fmt} stdio lines while the hooks hang")
    # The slow hooks are still where they were: the stdio lines did not wait.
    running = r.metric(mport, "rtmp_dispatcher_running")
    queued = r.metric(mport, "rtmp_dispatcher_queue_depth")
    h.check(running == 1 and queued is not None and queued >= 2,
            f"expected the hooks stuck (1 running, a full queue), got running={running} "
            f"queue={queued}")
    seqs = seqs_on_stderr(ingest, fmt)
    h.check(seqs == list(range(1, len(seqs) + 1)),
            f"{fmt}: stdio seqs not 1..n in order, once each: {seqs[:20]}...")
    written = r.metric(mport, "rtmp_dispatcher_hook_executions_total", 'kind="stdio"')
    h.check(written == len(seqs), f"stdio executions counter {written}, lines {len(seqs)}")
    h.log(f"{fmt}: {len(seqs)} stdio lines with the hooks stuck "
          f"(running {running:.0f}, queued {queued:.0f})")
    # Let the hooks go, so the stop does not wait out their timeout.
    hole.close()
    with open(ctx.path("release"), "w"):
        pass
    ingest.stop(timeout=60)


def main(ctx):
    for fmt in ("json", "env"):
        one_format(ctx, fmt, r.BlackHole())


if __name__ == "__main__":
    h.run(main)
