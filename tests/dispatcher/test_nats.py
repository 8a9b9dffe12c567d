"""The NATS JetStream hook against real nats-server -js on loopback.

1. One server: the dispatcher creates the stream (absent), and every event of
   a run lands in it exactly once (count from /jsz, each message's
   Nats-Msg-Id = its event id, body = the payload, subject from {type}).
   The dispatcher's metrics count each publish as an execution of kind nats.
   Two hooks publishing one event to one stream under different subjects
   both land (their Nats-Msg-Id carries the subject). A password holding
   '@', ':' and '/' works percent-encoded.
1b. The stream deleted while the dispatcher publishes: the next attempt finds
   it gone, creates it again, and no execution fails. (Seen failing before:
   "No responders" for every event until the dispatcher restarted.)
2. NATS unreachable: each execution is retried until -hook-timeout, fails into
   -dead-letter (kind nats) and the failures metric, while a webhook of the
   same dispatcher gets every event without waiting on NATS; once a server is
   up on that address, -replay publishes the dead letters, once each.
2b. Two NATS hooks sharing each event, NATS unreachable: every letter records
   the Nats-Msg-Id it was sent with ("<id>:<subject>"), and -replay (given no
   -hook-nats flags) sends that id again: both copies land, and a second
   replay (an acknowledgement lost) adds none. Before, the replay sent the
   bare event id: one of the two was dropped as a duplicate while reported
   delivered.
3. A three-node JetStream cluster, the stream created with -nats-replicas 3,
   the dispatcher given all three servers; one node (the one the stream's
   leader is on, when known) is killed mid-run: still every event exactly once.
nats-server comes with scripts/install-deps.sh: its absence fails the test."""
import json
import os
import signal
import subprocess

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
    mport = pu.free_port()
    d = pu.dispatcher(ctx, "dispatcher1", [
        "-events-connect", pusher.endpoint,
        "-hook-nats", f"*=nats://{srv.url()}/rtmp.events.{{type}}",
        "-hook-stdio-format", "json", "-nats-stream", STREAM, "-hook-timeout", "10s",
        "-metrics-addr", f"127.0.0.1:{mport}"])
    pusher.wait_sent()
    sent = pu.wait_for(lambda: (s := pu.stdio_events(d)) and len(s) >= count and s, 30,
                       "stdio lines")
    state = check_stream(srv, list(sent))
    pu.check(state["config"]["subjects"] == ["rtmp.events.*"], f"subjects {state['config']}")
    d.wait_log(r"created stream RTMP_TEST", 5)
    executions = 'rtmp_dispatcher_hook_executions_total{kind="nats"}'
    pu.wait_for(lambda: pu.metric(mport, executions) == count, 30, f"{executions} {count}")
    failures = pu.metric(mport, 'rtmp_dispatcher_hook_failures_total{kind="nats"}')
    pu.check(failures == 0, f"nats failures {failures}")
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


def deleted_stream(ctx):
    srv = nu.Server(ctx, "nats-deleted")
    pusher = pu.Pusher(ctx, "pusher-del", ["-count", "60", "-wait-peers", "1", "-rate", "20"])
    mport = pu.free_port()
    d = pu.dispatcher(ctx, "dispatcher-del", [
        "-events-connect", pusher.endpoint,
        "-hook-nats", f"*=nats://{srv.url()}/rtmp.del.{{type}}", "-nats-stream", "RTMP_DEL",
        "-hook-timeout", "5s", "-metrics-addr", f"127.0.0.1:{mport}"])
    pu.wait_for(lambda: (s := srv.stream_state("RTMP_DEL")) and s["state"]["messages"] >= 10, 60,
                "10 messages before the deletion")
    client = nu.Client(srv.port)
    reply = json.loads(client.request("$JS.API.STREAM.DELETE.RTMP_DEL", b""))
    client.close()
    pu.check(reply.get("success") is True, f"stream delete: {reply}")
    pusher.wait_sent()
    executions = 'rtmp_dispatcher_hook_executions_total{kind="nats"}'
    pu.wait_for(lambda: pu.metric(mport, executions) == 60, 60, f"{executions} 60")
    failures = pu.metric(mport, 'rtmp_dispatcher_hook_failures_total{kind="nats"}')
    pu.check(failures == 0, f"{failures} executions failed after the stream was deleted")
    pu.check(d.count_log(r"created stream RTMP_DEL") == 2, "the stream created again")
    pu.check(srv.stream_state("RTMP_DEL")["state"]["messages"] >= 1, "events after the deletion")
    pu.check(d.stop() == 0, "dispatcher exit")


def two_hooks(ctx):
    """Two hooks publishing publish_start to one stream under different
    subjects: both messages land, their ids told apart by subject."""
    srv = nu.Server(ctx, "nats-two")
    count = 40
    pusher = pu.Pusher(ctx, "pusher4", ["-count", str(count), "-wait-peers", "1",
                                        "-types", "publish_start,publish_stop",
                                        "-ingest-id", "two"])
    d = pu.dispatcher(ctx, "dispatcher4", [
        "-events-connect", pusher.endpoint,
        "-hook-nats", f"*=nats://{srv.url()}/rtmp.all.{{type}}",
        "-hook-nats", f"publish_start=nats://{srv.url()}/rtmp.starts",
        "-hook-stdio-format", "json", "-nats-stream", "RTMP_TWO", "-hook-timeout", "10s"])
    pusher.wait_sent()
    sent = pu.wait_for(lambda: (s := pu.stdio_events(d)) and len(s) >= count and s, 30,
                       "stdio lines")
    starts = [i for i, (_, ev) in sent.items() if ev["type"] == "publish_start"]
    want = count + len(starts)
    pu.wait_for(lambda: (srv.stream_state("RTMP_TWO") or {}).get("state", {})
                .get("messages", 0) >= want, 30, f"{want} messages in RTMP_TWO")
    pu.check(d.stop() == 0, "dispatcher exit")
    n = srv.stream_state("RTMP_TWO")["state"]["messages"]
    pu.check(n == want, f"{n} messages, want {want} ({count} events, {len(starts)} twice)")
    msgs = nu.stream_messages(srv.port, "RTMP_TWO", n)
    got = sorted((h.get("Nats-Msg-Id"), subject) for h, _, subject in msgs)
    expect = sorted([(f"{i}:rtmp.all.{ev['type']}", f"rtmp.all.{ev['type']}")
                     for i, (_, ev) in sent.items()] +
                    [(f"{i}:rtmp.starts", "rtmp.starts") for i in starts])
    pu.check(got == expect, f"ids and subjects {got[:4]}..., want {expect[:4]}...")


def password(ctx):
    """A server with a password holding '@', ':' and '/': given percent-encoded
    in the URL, it is sent decoded and every event lands."""
    pw = "hp@ss:/w"
    srv = nu.Server(ctx, "nats-auth", extra=["--user", "hu", "--pass", pw])
    count = 10
    pusher = pu.Pusher(ctx, "pusher5", ["-count", str(count), "-wait-peers", "1",
                                        "-ingest-id", "auth"])
    d = pu.dispatcher(ctx, "dispatcher5", [
        "-events-connect", pusher.endpoint,
        "-hook-nats", f"*=nats://hu:hp%40ss%3A%2Fw@{srv.url()}/rtmp.auth.{{type}}",
        "-nats-stream", "RTMP_AUTH", "-hook-timeout", "10s"])
    pusher.wait_sent()
    pu.wait_for(lambda: ((srv.stream_state("RTMP_AUTH") or {}).get("state", {})
                         .get("messages", 0)) >= count, 30, f"{count} messages in RTMP_AUTH")
    pu.check(d.stop() == 0, "dispatcher exit")


def unreachable(ctx):
    port = pu.free_port()  # nothing listens there until the replay
    rx = pu.Receiver()
    ctx.cleanups.append(rx.close)
    dead = os.path.join(ctx.tmp, "nats-dead.jsonl")
    count = 6
    pusher = pu.Pusher(ctx, "pusher-down", ["-count", str(count), "-wait-peers", "1",
                                            "-ingest-id", "down"])
    mport = pu.free_port()
    target = f"*=nats://127.0.0.1:{port}/rtmp.events.{{type}}"
    d = pu.dispatcher(ctx, "dispatcher-down", [
        "-events-connect", pusher.endpoint, "-hook-nats", target,
        "-hook-webhook", f"*={rx.url}/hook", "-nats-stream", STREAM, "-hook-timeout", "6s",
        "-dead-letter", dead, "-metrics-addr", f"127.0.0.1:{mport}"])
    pusher.wait_sent()
    rx.wait_count(count, 30)
    pu.check(not os.path.exists(dead) or os.path.getsize(dead) == 0,
             "the webhooks were delivered before any NATS execution ran out of time")
    failures = 'rtmp_dispatcher_hook_failures_total{kind="nats"}'
    pu.wait_for(lambda: pu.metric(mport, failures) == count, 60, f"{failures} {count}")
    retries = pu.metric(mport, 'rtmp_dispatcher_hook_retries_total{kind="nats"}')
    pu.check(retries and retries >= count, f"unacknowledged attempts retried: {retries}")
    webhook_failures = pu.metric(mport, 'rtmp_dispatcher_hook_failures_total{kind="webhook"}')
    pu.check(webhook_failures == 0, f"webhook failures {webhook_failures}")
    pu.check(d.stop() == 0, "dispatcher exit")
    with open(dead) as f:
        letters = [json.loads(l) for l in f if l.strip()]
    ids = sorted(r.headers["webhook-id"] for r in rx.snapshot())
    pu.check(sorted(l["event_id"] for l in letters) == ids, "a dead letter per event")
    pu.check(all(l["kind"] == "nats" and "hook timeout reached" in l["error"] and
                 l["attempts"] > 1 for l in letters), f"nats letters: {letters[0]}")

    srv = nu.Server(ctx, "nats-late", port=port)
    replay = subprocess.run(
        [pu._bin("DISPATCHER_BIN", "rtmp-dispatcher"), "-replay", dead, "-nats-stream",
         "RTMP_LATE", "-hook-timeout", "20s"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    out = replay.stdout.decode("utf-8", "replace")
    pu.check(replay.returncode == 0, f"replay exit {replay.returncode}: {out[-2000:]}")
    pu.check(out.count("replay: delivered ") == count, "one 'delivered' line per dead letter")
    check_stream(srv, ids, "RTMP_LATE")


def replay_two_hooks(ctx):
    port = pu.free_port()  # nothing listens there until the replay
    dead = os.path.join(ctx.tmp, "nats-dead-two.jsonl")
    count = 4
    pusher = pu.Pusher(ctx, "pusher-two-down", ["-count", str(count), "-wait-peers", "1",
                                                "-ingest-id", "twodown"])
    mport = pu.free_port()
    d = pu.dispatcher(ctx, "dispatcher-two-down", [
        "-events-connect", pusher.endpoint,
        "-hook-nats", f"*=nats://127.0.0.1:{port}/rtmp.all.{{type}}",
        "-hook-nats", f"*=nats://127.0.0.1:{port}/rtmp.copy",
        "-nats-stream", "RTMP_TWO", "-hook-timeout", "3s", "-dead-letter", dead,
        "-metrics-addr", f"127.0.0.1:{mport}"])
    pusher.wait_sent()
    failures = 'rtmp_dispatcher_hook_failures_total{kind="nats"}'
    pu.wait_for(lambda: pu.metric(mport, failures) == 2 * count, 60, f"{failures} {2 * count}")
    pu.check(d.stop() == 0, "dispatcher exit")
    with open(dead) as f:
        letters = [json.loads(l) for l in f if l.strip()]
    pu.check(len(letters) == 2 * count, f"{len(letters)} letters, want {2 * count}")
    want = {f"{l['event_id']}:{'rtmp.copy' if l['target'].endswith('copy') else 'rtmp.all.' + l['event_type']}"
            for l in letters}
    pu.check({l.get("message_id") for l in letters} == want,
             f"letters' message_id {[l.get('message_id') for l in letters]}, want {sorted(want)}")
    srv = nu.Server(ctx, "nats-two-late", port=port)
    for attempt in (1, 2):
        replay = subprocess.run(
            [pu._bin("DISPATCHER_BIN", "rtmp-dispatcher"), "-replay", dead, "-nats-stream",
             "RTMP_TWO", "-hook-timeout", "20s"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        out = replay.stdout.decode("utf-8", "replace")
        pu.check(replay.returncode == 0, f"replay {attempt} exit {replay.returncode}: {out[-2000:]}")
        state = pu.wait_for(lambda: (s := srv.stream_state("RTMP_TWO")) and
                            s["state"]["messages"] >= 2 * count and s, 60,
                            f"{2 * count} messages in RTMP_TWO")
        msgs = nu.stream_messages(srv.port, "RTMP_TWO", state["state"]["messages"])
        ids = sorted(h.get("Nats-Msg-Id") for h, _, _ in msgs)
        pu.check(ids == sorted(want), f"after replay {attempt}: Nats-Msg-Ids {ids}, "
                                      f"want {sorted(want)}")
    pu.log(f"two hooks: {2 * count} letters replayed twice, {2 * count} messages, each once")


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
    pu.check(nu.have_server(), "nats-server not installed (scripts/install-deps.sh)")
    single(ctx)
    deleted_stream(ctx)
    two_hooks(ctx)
    password(ctx)
    unreachable(ctx)
    replay_two_hooks(ctx)
    clustered(ctx)


pu.run(main)
