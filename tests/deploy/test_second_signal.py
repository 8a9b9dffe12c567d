"""A second SIGTERM or SIGINT while a graceful shutdown drains (Ctrl-C pressed
twice, a supervisor signalling again) ends the process at once with status 1
and one WARN line naming what it abandons, instead of being swallowed until
-shutdown-timeout runs out.

Each program is held in its drain by a webhook target that accepts TCP and
never answers (-hook-timeout and -shutdown-timeout far longer than the test
waits), then signalled again:
  1. rtmp-ingest with embedded hooks: SIGTERM, then SIGTERM;
  2. rtmp-dispatcher pulling from an ingest: SIGINT, then SIGINT;
  3. rtmp-dispatcher again: SIGTERM, then SIGINT (either one forces).
The dispatchers also get a SIGHUP first (a reload, a closing terminal): one
INFO line, and they go on; it killed them with their queue before.
  4. rtmp-dispatcher with script hooks that run `sleep` far longer than the
     test, and -dead-letter: the forced exit SIGKILLs the running scripts'
     process groups (no sleep survives it) and writes a dead letter for each
     running and each queued execution, counted in its WARN line.
"""
import json
import os
import re
import signal
import time

import ops_util as u
from ops_util import h

LONG_S = 300  # -hook-timeout and -shutdown-timeout: the drain would outlast the test
EXIT_S = 20   # a forced exit on a loaded machine under a sanitizer
EVENTS = 10


def hook_args(hole, mport):
    return ["-hook-webhook", f"*=http://127.0.0.1:{hole.port}/",
            "-hook-timeout", f"{LONG_S}s", "-hook-concurrency", "1",
            "-shutdown-timeout", f"{LONG_S}s", "-metrics-addr", f"127.0.0.1:{mport}",
            "-log-format", "json"]


def signal_twice(proc, first, second, first_line, what):
    proc.send_signal(first)
    proc.wait_line(first_line, 30, "stdout")
    # The first signal started a drain that waits on the dead target: the
    # process is still there for as long as it would wait.
    h.check(proc.running(), f"{what}: exited after the first signal ({proc.poll()})")
    t0 = time.monotonic()
    proc.send_signal(second)
    code = proc.wait_exit(EXIT_S)
    took = time.monotonic() - t0
    h.log(f"{what}: exit {code} {took:.2f} s after the second signal")
    h.check(code == 1, f"{what}: exit status {code}, expected 1")
    name = "SIGTERM" if second == signal.SIGTERM else "SIGINT"
    lines = [l for l in proc.stdout().splitlines() if "again during shutdown" in l]
    h.check(len(lines) == 1, f"{what}: {len(lines)} 'again during shutdown' lines")
    h.check('"level":"warn' in lines[0] and name in lines[0] and "abandoned" in lines[0],
            f"{what}: {lines[0]}")
    h.log(f"{what}: {lines[0]}")


def run_embedded(ctx, hole):
    what = "embedded hooks"
    mport = h.free_port()
    ingest = h.Ingest(ctx, name="ingest-embedded", stdio_events=False,
                      args=hook_args(hole, mport))
    u.short_connections(ingest.port, EVENTS // 2)
    h.wait_for(lambda: hole.conns, 30, f"{what}: a webhook stuck at the dead target")
    signal_twice(ingest.proc, signal.SIGTERM, signal.SIGTERM, r"shutting down", what)


def run_dispatcher(ctx, hole, first, second, what):
    events_port = h.free_port()
    ingest = h.Ingest(ctx, name=f"ingest-{first}-{second}", stdio_events=False,
                      args=["-events-bind", f"tcp://127.0.0.1:{events_port}"])
    mport = h.free_port()
    d = ctx.proc(f"dispatcher-{first}-{second}",
                 [u.dispatcher_binary(), "-events-connect", f"tcp://127.0.0.1:{events_port}"] +
                 hook_args(hole, mport))
    d.wait_line(r"connected to ingest", 30, "stdout")
    d.send_signal(signal.SIGHUP)
    d.wait_line(r"SIGHUP: rtmp-dispatcher has nothing to reload; ignored", 30, "stdout")
    h.check(d.running(), f"{what}: SIGHUP ended the dispatcher ({d.poll()})")
    u.short_connections(ingest.port, EVENTS // 2)
    h.wait_for(lambda: u.metric(mport, "rtmp_dispatcher_events_received_total") >= EVENTS, 60,
               f"{what}: {EVENTS} events received")
    signal_twice(d, first, second, r"received SIG\w+, stopping", what)
    ingest.stop()


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def run_dispatcher_scripts(ctx):
    what = "rtmp-dispatcher, running scripts"
    events_port = h.free_port()
    ingest = h.Ingest(ctx, name="ingest-scripts", stdio_events=False,
                      args=["-events-bind", f"tcp://127.0.0.1:{events_port}"])
    pids = ctx.path("sleep-pids")
    script = ctx.path("long.sh")
    with open(script, "w") as f:
        f.write(f"#!/bin/sh\nsleep {LONG_S} &\necho $! >> {pids}\nwait\n")
    os.chmod(script, 0o755)
    dead = ctx.path("dead.jsonl")
    mport = h.free_port()
    d = ctx.proc("dispatcher-scripts",
                 [u.dispatcher_binary(), "-events-connect", f"tcp://127.0.0.1:{events_port}",
                  "-hook-script", f"*={script}", "-hook-timeout", f"{LONG_S}s",
                  "-hook-concurrency", "2", "-shutdown-timeout", f"{LONG_S}s",
                  "-metrics-addr", f"127.0.0.1:{mport}", "-log-format", "json",
                  "-dead-letter", dead])
    d.wait_line(r"connected to ingest", 30, "stdout")
    u.short_connections(ingest.port, EVENTS // 2)
    h.wait_for(lambda: u.metric(mport, "rtmp_dispatcher_events_received_total") >= EVENTS, 60,
               f"{what}: {EVENTS} events received")
    h.wait_for(lambda: os.path.exists(pids) and len(open(pids).read().split()) >= 2, 30,
               f"{what}: two scripts running")
    signal_twice(d, signal.SIGTERM, signal.SIGTERM, r"received SIG\w+, stopping", what)
    sleeps = [int(p) for p in open(pids).read().split()]
    h.wait_for(lambda: not any(alive(p) for p in sleeps), 10,
               f"{what}: the running scripts' sleeps {sleeps} gone")
    warn = [l for l in d.stdout().splitlines() if "again during shutdown" in l][0]
    m = re.search(r"(\d+) queued and (\d+) running hook execution\(s\), (\d+) script process "
                  r"group\(s\) killed; (\d+) dead letter\(s\) written", warn)
    h.check(m is not None, f"{what}: counts in the WARN line: {warn}")
    queued, running, killed, written = map(int, m.groups())
    h.check(running == 2 and killed == 2, f"{what}: {running} running, {killed} killed")
    letters = [json.loads(l) for l in open(dead)]
    h.check(len(letters) == written == queued + running,
            f"{what}: {len(letters)} dead letters, {written} written, {queued}+{running}")
    h.check(sorted(l["attempts"] for l in letters) == [0] * queued + [1] * running,
            f"{what}: attempts {[l['attempts'] for l in letters]}")
    ingest.stop()


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip("rtmp-ingest and rtmp-dispatcher only")
    hole = u.BlackHole()
    try:
        run_embedded(ctx, hole)
        run_dispatcher(ctx, hole, signal.SIGINT, signal.SIGINT, "rtmp-dispatcher, Ctrl-C twice")
        run_dispatcher(ctx, hole, signal.SIGTERM, signal.SIGINT, "rtmp-dispatcher, TERM then INT")
        run_dispatcher_scripts(ctx)
    finally:
        hole.close()
    u.check_no_sanitizer_reports(ctx)


if __name__ == "__main__":
    h.run(main)
