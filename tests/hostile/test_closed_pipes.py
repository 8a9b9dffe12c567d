#!/usr/bin/env python3
"""rtmp-ingest whose stdout (logs) and stderr (events, without hooks) are
pipes whose reader went away (`| head -n 1`, a log shipper that restarted):
the lines are lost, the server is not. Before, the first write after the
reader left killed it with SIGPIPE (exit 141), every stream with it.

Two runs: events to stderr (no -hook-*), and -events-bind with nobody
pulling (events buffered, logs on stdout). Each makes connections after the
pipes closed, then plays a real publish with ffmpeg, and stops with SIGTERM:
still running, exit 0."""

import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402


def run(ctx, name, extra):
    port = h.free_port()
    proc = subprocess.Popen([h.ingest_binary(), "-listen", f"127.0.0.1:{port}",
                             "-log-level", "debug"] + extra,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # The first line says it listens; then the reader goes away.
        line = proc.stdout.readline()
        h.check(line, f"{name}: no first log line")
        h.wait_port(port, 30)
        proc.stdout.close()
        proc.stderr.close()
        for _ in range(30):  # each logs and emits two events
            with socket.create_connection(("127.0.0.1", port), timeout=10):
                pass
        h.wait_for(lambda: proc.poll() is not None or h.port_open(port), 10, f"{name}: alive")
        h.check(proc.poll() is None, f"{name}: exited {proc.poll()} after its readers left")
        pub = ctx.proc(f"{name}-pub", ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error",
                                       "-re", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=15",
                                       "-t", "2", "-c:v", "libx264", "-preset", "ultrafast",
                                       "-f", "flv", f"rtmp://127.0.0.1:{port}/live/{name}"])
        code = pub.wait_exit(60)
        h.check(code == 0, f"{name}: the publish failed ({code}); see {pub.stderr_path}")
        h.check(proc.poll() is None, f"{name}: exited {proc.poll()} during the publish")
        proc.send_signal(signal.SIGTERM)
        t0 = time.monotonic()
        while proc.poll() is None and time.monotonic() - t0 < 30:
            time.sleep(0.1)
        h.check(proc.poll() == 0, f"{name}: exit status {proc.poll()} after SIGTERM, want 0")
        h.log(f"{name}: survived its closed pipes and stopped with 0")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip("rtmp-ingest's own output")
    run(ctx, "stderr-events", [])
    run(ctx, "events-bind", ["-events-bind", f"tcp://127.0.0.1:{h.free_port()}"])


if __name__ == "__main__":
    h.run(main)
