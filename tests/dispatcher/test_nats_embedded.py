"""rtmp-ingest's embedded dispatcher with -hook-nats and a webhook, a real
ffmpeg publish (a few seconds of small H.264 + AAC): every event of the
publish's connection lands in the JetStream stream exactly once, under the
subject of its type and node, with Nats-Msg-Id = its id and the very payload
the webhook got for it."""
import json
import os
import re

import nats_util as nu
import proc_util as pu

STREAM = "RTMP_EMBEDDED"
SECONDS = os.environ.get("NATS_EMBEDDED_SECONDS", "3")


def main(ctx):
    pu.check(nu.have_server(), "nats-server not installed (scripts/install-deps.sh)")
    srv = nu.Server(ctx, "nats")
    rx = pu.Receiver()
    ctx.cleanups.append(rx.close)
    port = pu.free_port()
    ingest = pu.Proc(ctx, "ingest", [
        pu._bin("RTMP_INGEST_BIN", "rtmp-ingest"), "-listen", f"127.0.0.1:{port}",
        "-node-id", "edge-1", "-log-format", "text",
        "-hook-nats", f"*=nats://{srv.url()}/live.{{node}}.{{type}}",
        "-nats-stream", STREAM, "-hook-webhook", f"*={rx.url}/hook"])
    ingest.wait_log(r"listening on", 30)
    ffmpeg = pu.Proc(ctx, "ffmpeg", [
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-re",
        "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
        "-t", SECONDS, "-c:v", "libx264", "-preset", "ultrafast", "-g", "25",
        "-c:a", "aac", "-f", "flv", f"rtmp://127.0.0.1:{port}/live/cam"])
    pu.check(ffmpeg.wait_exit(120) == 0, f"ffmpeg exit: {ffmpeg.stderr()[-500:]}")

    def closed():
        got = {r.headers["webhook-id"]: r.body for r in rx.snapshot()}
        return any(json.loads(b)["type"] == "connection_close" for b in got.values()) and got
    hooks = pu.wait_for(closed, 60, "the publisher's connection_close webhook")
    types = [json.loads(b)["type"] for b in hooks.values()]
    for t in ("connection_accept", "publish_start", "publish_stop", "connection_close"):
        pu.check(t in types, f"webhook {t} in {types}")

    n = len(hooks)
    state = pu.wait_for(lambda: (s := srv.stream_state(STREAM)) and
                        s["state"]["messages"] >= n and s, 60, f"{n} messages in {STREAM}")
    pu.check(state["state"]["messages"] == n,
             f"{state['state']['messages']} messages in the stream, {n} webhooks")
    pu.check(state["config"]["subjects"] == ["live.*.*"], f"subjects {state['config']}")
    msgs = nu.stream_messages(srv.port, STREAM, n)
    pu.check(sorted(h["Nats-Msg-Id"] for h, _, _ in msgs) == sorted(hooks),
             "each event once, Nats-Msg-Id = the webhook-id")
    for h, data, subject in msgs:
        body = json.loads(data)
        pu.check(data == hooks[h["Nats-Msg-Id"]], f"{body['type']}: the webhook's payload")
        pu.check(subject == f"live.edge-1.{body['type']}", f"subject {subject}")
        pu.check(body["node"] == "edge-1", f"node {body['node']}")
    pu.check(ingest.stop() == 0, "ingest exit status")
    bad = [l for l in ingest.lines() if re.search(r"nats .*failed", l)]
    pu.check(not bad, f"no failed NATS attempt: {bad[:3]}")
    pu.log(f"{n} events of the publish in {STREAM} once each: {sorted(set(types))}")


pu.run(main)
