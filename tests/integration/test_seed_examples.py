#!/usr/bin/env python3
"""The reference server's hooks-page command lines work
as written with rtmp-ingest in place of ./rtmp-server:

  rtmp-ingest -hook-stdio-format json 2>&1 | jq --unbuffered '.type'
  rtmp-ingest -hook-stdio-format env
  rtmp-ingest -hook-webhook "publish_start=URL" -hook-webhook "publish_stop=URL"
  rtmp-ingest -hook-script "connection_accept=/path/to/script"

Each runs the real binary (embedded dispatcher) with a real ffmpeg publish."""
import http.server
import json
import os
import re
import shlex
import signal
import stat
import threading

import harness as h

PUBLISH_SECONDS = 3


def publish(ctx, port, name):
    pub = h.Publisher(ctx, f"rtmp://127.0.0.1:{port}/live/seed", name=name,
                      duration=PUBLISH_SECONDS, size="320x240", vbitrate="300k")
    code = pub.wait(60)
    h.check(code == 0, f"{name}: ffmpeg publish failed ({code})")


def start_shell(ctx, name, command, port):
    proc = ctx.proc(name, ["bash", "-c", command])
    h.wait_port(port, 30)
    return proc


def stop_shell(proc):
    # The pipeline is its own process group: SIGTERM reaches rtmp-ingest and jq.
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    proc.wait_exit(30)


def jq_pipeline(ctx, binary):
    port = h.free_port()
    cmd = (f"{shlex.quote(binary)} -listen 127.0.0.1:{port} -hook-stdio-format json 2>&1"
           " | jq --unbuffered '.type'")
    proc = start_shell(ctx, "jq_pipeline", cmd, port)
    publish(ctx, port, "pub_jq")
    want = ["connection_accept", "handshake_complete", "stream_create", "publish_start",
            "codec_detected", "publish_stop", "stream_delete", "connection_close"]
    h.wait_for(lambda: all(f'"{t}"' in proc.stdout() for t in want), 30,
               "jq to print every event type of the publish")
    stop_shell(proc)
    h.check("parse error" not in proc.stderr(), f"jq could not parse a line: {proc.stderr()}")
    types = [json.loads(line) for line in proc.stdout().splitlines()]
    events = [t for t in types if t is not None]  # log lines are JSON too, without "type"
    # The port probe adds a bare connection_accept/connection_close pair first.
    it = iter(events)
    h.check(all(t in it for t in want), f"events out of the documented order: {events}")
    h.log(f"jq printed {len(events)} event types and {len(types) - len(events)} log lines")


def env_format(ctx, binary):
    port = h.free_port()
    ingest = ctx.proc("env_format", [binary, "-listen", f"127.0.0.1:{port}",
                                     "-hook-stdio-format", "env"])
    h.wait_port(port, 30)
    publish(ctx, port, "pub_env")
    h.wait_for(lambda: "RTMP_EVENT_TYPE='connection_close'" in ingest.stderr(), 30, "env lines")
    ingest.stop()
    lines = [l for l in ingest.stderr().splitlines() if l.startswith("RTMP_EVENT_TYPE=")]
    stop = next(l for l in lines if l.startswith("RTMP_EVENT_TYPE='publish_stop'"))
    for key in ("RTMP_TIMESTAMP='", "RTMP_CONN_ID='", "RTMP_STREAM_KEY='live/seed", "RTMP_SEQ='",
                "RTMP_VIDEO_CODEC='H264'", "RTMP_AUDIO_CODEC='AAC'", "RTMP_DURATION_SEC='"):
        h.check(key in stop, f"publish_stop env line lacks {key}: {stop}")
    h.check(all(re.match(r"^RTMP_EVENT_TYPE='\w+' RTMP_TIMESTAMP='\d+' RTMP_CONN_ID=", l)
                for l in lines),
            "env lines do not start with RTMP_EVENT_TYPE, RTMP_TIMESTAMP, RTMP_CONN_ID")


class Receiver(http.server.BaseHTTPRequestHandler):
    bodies = []
    lock = threading.Lock()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with Receiver.lock:
            Receiver.bodies.append((self.path, json.loads(body)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def webhooks_and_script(ctx, binary):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/live"
    script = ctx.path("on-connect.sh")
    out = ctx.path("on-connect.out")
    with open(script, "w") as f:
        f.write(f"#!/bin/sh\necho \"$RTMP_EVENT_TYPE $RTMP_REMOTE_ADDR\" >> {out}\n")
    os.chmod(script, os.stat(script).st_mode | stat.S_IXUSR)
    port = h.free_port()
    ingest = ctx.proc("webhooks", [binary, "-listen", f"127.0.0.1:{port}",
                                   "-hook-webhook", f"publish_start={url}",
                                   "-hook-webhook", f"publish_stop={url}",
                                   "-hook-script", f"connection_accept={script}",
                                   "-hook-timeout", "10s", "-hook-concurrency", "20"])
    h.wait_port(port, 30)
    publish(ctx, port, "pub_hooks")
    h.wait_for(lambda: len(Receiver.bodies) >= 2, 30, "publish_start and publish_stop webhooks")
    h.wait_for(lambda: "connection_accept 127.0.0.1:" in h.read_text(out), 30,
               "the connection_accept script to run")
    ingest.stop()
    server.shutdown()
    types = sorted(b["type"] for _, b in Receiver.bodies)
    h.check(types == ["publish_start", "publish_stop"], f"webhooks got {types}")
    h.check(all(p == "/live" for p, _ in Receiver.bodies), "webhook path changed")


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip("about rtmp-ingest's hooks")
    binary = os.path.abspath(h.ingest_binary())
    jq_pipeline(ctx, binary)
    env_format(ctx, binary)
    webhooks_and_script(ctx, binary)


if __name__ == "__main__":
    h.run(main)
