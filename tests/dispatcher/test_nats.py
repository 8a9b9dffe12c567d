"""The NATS JetStream hook against real nats-server -js on loopback.

1. One server: the dispatcher creates the stream (absent), and every event of
   a run lands in it exactly once (count from /jsz, each message's
   Nats-Msg-Id = its event id, body = the payload, subject from {type}).
2. A three-node JetStream cluster, the stream created with -nats-replicas 3,
   the dispatcher given all three servers; one node (the one the stream's
   leader is on, when known) is killed mid-run: still every event exactly once.
Skips (77) when nats-server is absent."""
import json
import signal
import sys

import nats_util as nu
import proc_util as pu

STREAM = "RTMP_TEST"


def check_stream(server, sent_ids, stream=STREAM):
    state = pu.wait_for(lambda: (s := server.stream_state(stream)) and
                        s["state"]["messages"] >= len(sent_ids) and s, 60,
                        f"{len(sent_ids)} messages in {stream}")
    n = state["state"]["messages"]
    pu.check(n == len(sent_ids), f"{n} messages in the stream, {len(sent_ids)} events sent")
    msgs = nu.stream_messages(server.port, stream, n)
    ids = [h.get("Nats-Msg-Id") for h, _, _ in msgs]
    pu.check(len(set(ids)) == n, "each Nats-Msg-Id once")
    pu.check(set(ids) == set(sent_ids), "the stream holds exactly the events sent")
    for h, data, subject in msgs:
        body = json.loads(data)
        pu.check(body["id"] == h["Nats-Msg-Id"], "Nats-Msg-Id = the payload's id")
        pu.check(subject == f"rtmp.events.{body['type']}", f"subject {subject}")
    return state


def single(ctx):
    srv = nu.Server(ctx, "nats-single")
    count = 200
    pusher = pu.Pusher(ctx, "pusher1", ["-count", str(count), "-wait-peers", "1",
                                        "-rate", "400"])
    d = pu.dispatcher(ctx, "dispatcher1", [
        "-events-connect", pusher.endpoint,
        "-hook-nats", f"*=nats://{srv.url()}/rtmp.events.{{type}}",
        "-hook-stdio-format", "json", "-nats-stream", STREAM, "-hook-timeout", "10s"])
    pusher.wait_sent()
    sent = pu.wait_for(lambda: (s := pu.stdio_events(d)) and len(s) >= count and s, 30,
                       "stdio lines")
    state = check_stream(srv, list(sent))
    pu.check(state["config"]["subjects"] == ["rtmp.events.*"], f"subjects {state['config']}")
    d.wait_log(r"created stream RTMP_TEST", 5)
    pu.check(d.stop() == 0, "dispatcher exit")
    pu.check(d.count_log(r"nats .*failed") == 0, "no failed publish")
    # A second run uses the existing stream as it is and adds its events.
    pusher2 = pu.Pusher(ctx, "pusher2", ["-count", "20", "-wait-peers", "1",
                                         "-ingest-id", "second"])
    d2 = pu.dispatcher(ctx, "dispatcher2", [
        "-events-connect", pusher2.endpoint,
        "-hook-nats", f"*=nats://{srv.url()}/rtmp.events.{{type}}",
        "-nats-stream", STREAM, "-nats-replicas", "3"])
    pusher2.wait_sent()
    d2.wait_log(r"existing stream RTMP_TEST", 30)
    pu.wait_for(lambda: srv.stream_state(STREAM)["state"]["messages"] >= count + 20, 30,
                "second run's events")
    pu.check(d2.stop() == 0, "second dispatcher exit")
    pu.check(srv.stream_state(STREAM)["config"]["num_replicas"] == 1,
             "an existing stream is used as it is")


def clustered(ctx):
    nodes = nu.cluster(ctx, 3)
    pu.wait_for(lambda: all(n.jsz().get("meta_cluster", {}).get("leader") for n in nodes), 60,
                "JetStream meta leader")
    count = 600
    pusher = pu.Pusher(ctx, "pusher3", ["-count", str(count), "-wait-peers", "1",
                                        "-rate", "60", "-ingest-id", "clu"])
    servers = ",".join(n.url() for n in nodes)
    d = pu.dispatcher(ctx, "dispatcher3", [
        "-events-connect", pusher.endpoint,
        "-hook-nats", f"*=nats://{servers}/rtmp.events.{{type}}",
        "-hook-stdio-format", "json", "-nats-stream", STREAM, "-nats-replicas", "3",
        "-hook-timeout", "30s"])
    d.wait_log(r"created stream RTMP_TEST .*replicas 3", 60)
    pu.wait_for(lambda: len(pu.stdio_events(d)) >= count // 3, 60, "a third of the run")
    leader = None
    for n in nodes:
        st = n.stream_state(STREAM)
        if st and st.get("cluster", {}).get("leader"):
            leader = st["cluster"]["leader"]
            break
    victim = next((n for n in nodes if n.name == leader), nodes[0])
    pu.log(f"killing {victim.name} (stream leader: {leader}) mid-run")
    victim.proc.signal(signal.SIGKILL)
    victim.proc.wait_exit(30)
    pusher.wait_sent(timeout=120)
    sent = pu.wait_for(lambda: (s := pu.stdio_events(d)) and len(s) >= count and s, 60,
                       "stdio lines")
    alive = [n for n in nodes if n is not victim]
    check_stream(alive[0], list(sent))
    pu.check(alive[0].stream_state(STREAM)["config"]["num_replicas"] == 3, "replicas 3")
    pu.check(d.stop() == 0, "dispatcher exit")
    pu.check(d.count_log(r"error.*nats .*failed in") == 0, "no publish finally failed")
    retried = d.count_log(r"attempt \d+ failed")
    pu.log(f"attempts retried around the kill: {retried}")


def main(ctx):
    single(ctx)
    clustered(ctx)


if not nu.have_server():
    print("nats-server not installed: skipped")
    sys.exit(77)
pu.run(main)
