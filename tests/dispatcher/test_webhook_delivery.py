"""Must-show 1: a real HTTP receiver gets every subscribed event exactly once,
body byte-for-byte the payload JSON (the same bytes as the stdio json line),
Content-Type application/json, User-Agent rtmp-hooks/<version>, and a Standard
Webhooks signature that verifies with an independent HMAC. Connections are
kept alive and reused."""
import proc_util as pu

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
COUNT = 120  # ten rounds of all twelve event types


def main(ctx):
    rx = pu.Receiver()
    ctx.cleanups.append(rx.close)
    pusher = pu.Pusher(ctx, "pusher", ["-count", str(COUNT), "-wait-peers", "1"])
    d = pu.dispatcher(ctx, "dispatcher", [
        "-events-connect", pusher.endpoint,
        "-hook-webhook", f"*={rx.url}/all",
        "-hook-webhook", f"publish_stop={rx.url}/stop",
        "-hook-stdio-format", "json",
        "-webhook-secret", SECRET,
        "-hook-concurrency", "4",
    ])
    pusher.wait_sent()
    rx.wait_count(COUNT, 60, "/all")
    rx.wait_count(COUNT // 12, 60, "/stop")
    pu.check(d.stop() == 0, "dispatcher exit status")

    stdio = pu.stdio_events(d)
    pu.check(len(stdio) == COUNT, f"stdio lines: {len(stdio)}")
    all_reqs = rx.snapshot("/all")
    ids = [r.json["id"] for r in all_reqs]
    pu.check(len(ids) == COUNT and len(set(ids)) == COUNT, f"/all got {len(ids)} ({len(set(ids))} distinct)")
    stop_reqs = rx.snapshot("/stop")
    pu.check(all(r.json["type"] == "publish_stop" for r in stop_reqs), "/stop got another type")
    pu.check(len({r.json["id"] for r in stop_reqs}) == COUNT // 12 == len(stop_reqs),
             f"/stop got {len(stop_reqs)}")
    for r in all_reqs + stop_reqs:
        line, obj = stdio[r.json["id"]]
        pu.check(r.body == line.encode(), f"body differs from payload for {obj['id']}")
        pu.check(r.headers.get("Content-Type") == "application/json", f"content-type {r.headers}")
        pu.check(r.headers.get("User-Agent", "").startswith("rtmp-hooks/"), "user-agent")
        pu.check(r.headers["webhook-id"] == obj["id"], "webhook-id is the event id")
        pu.check(pu.standard_webhooks_verify(SECRET, r), f"signature of {obj['id']}")
    # Payload content as pushed: seq order of ids, a data field of publish_stop.
    seqs = sorted(r.json["seq"] for r in all_reqs)
    pu.check(seqs == list(range(1, COUNT + 1)), "seqs 1..N")
    ps = stop_reqs[0].json
    pu.check(ps["data"]["video_codec"] == "H264" and ps["data"]["audio_packets"] == 430,
             f"publish_stop data {ps}")
    conns = {r.client for r in rx.snapshot()}
    pu.log(f"{len(rx.snapshot())} requests over {len(conns)} connections")
    pu.check(len(conns) <= 4, f"connections not reused: {len(conns)}")


pu.run(main)
