"""-webhook-threads: with 3 event loops and -hook-concurrency 4, every event is
delivered exactly once per hook (body byte-for-byte the stdio json line,
webhook-id = event id, a valid signature on every attempt), retries keep their
webhook-id, the receiver never sees more than 4 requests at once (and does see
4), every loop thread delivers, and connections are reused (at most one cache
of -hook-concurrency per loop). Two URLs exercise reused easy handles switching
target and header lists."""
import os

import proc_util as pu

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
COUNT = 1200  # 100 rounds of the twelve event types
LOOPS = 3
CONC = 4


def behave(req, n):
    seq = req.json["seq"]
    if req.path == "/all" and n == 0 and seq % 50 == 7:
        return (503, 0)  # one retry each
    return (200, 0.05 if seq <= 40 else 0)  # a slow start fills every slot


def loop_threads(pid):
    """(name, ns on CPU) of the dispatcher's webhook loop threads (schedstat)."""
    out = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                ran_ns = int(f.read().split()[0])
        except OSError:
            continue
        if name.startswith("webhook-loop-"):
            out.append((name, ran_ns))
    return sorted(out)


def main(ctx):
    rx = pu.Receiver(behave)
    ctx.cleanups.append(rx.close)
    pusher = pu.Pusher(ctx, "pusher", ["-count", str(COUNT), "-wait-peers", "1"])
    d = pu.dispatcher(ctx, "dispatcher", [
        "-events-connect", pusher.endpoint,
        "-hook-webhook", f"*={rx.url}/all",
        "-hook-webhook", f"publish_stop={rx.url}/stop",
        "-hook-stdio-format", "json",
        "-webhook-secret", SECRET,
        "-webhook-threads", str(LOOPS),
        "-hook-concurrency", str(CONC),
    ])
    d.wait_log(rf"webhooks delivered by {LOOPS} event loop\(s\)", 30)
    pusher.wait_sent()
    retried = COUNT // 50
    rx.wait_count(COUNT + retried, 180, "/all")
    rx.wait_count(COUNT // 12, 60, "/stop")
    threads = loop_threads(d.pid)
    pu.check(d.stop() == 0, "dispatcher exit status")

    pu.log(f"loop threads (name, ns on CPU): {threads}")
    pu.check(len(threads) == LOOPS, f"{len(threads)} webhook loop threads, want {LOOPS}")
    stdio = pu.stdio_events(d)
    pu.check(len(stdio) == COUNT, f"stdio lines: {len(stdio)}")
    for path in ("/all", "/stop"):
        reqs = rx.snapshot(path)
        attempts = {}
        for r in reqs:
            line, obj = stdio[r.json["id"]]
            attempts[obj["id"]] = attempts.get(obj["id"], 0) + 1
            pu.check(r.body == line.encode(), f"{path}: body differs from payload for {obj['id']}")
            pu.check(r.headers["webhook-id"] == obj["id"],
                     f"{path}: webhook-id {r.headers['webhook-id']} on the body of {obj['id']}")
            pu.check(r.headers.get("Content-Type") == "application/json", "content-type")
            pu.check(pu.standard_webhooks_verify(SECRET, r), f"{path}: signature of {obj['id']}")
        # Exactly once each: one attempt, or two where the first got a 503.
        want = {i: 2 if path == "/all" and o["seq"] % 50 == 7 else 1
                for i, (_, o) in stdio.items() if path == "/all" or o["type"] == "publish_stop"}
        wrong = {i: (attempts.get(i, 0), n) for i, n in want.items() if attempts.get(i, 0) != n}
        wrong.update({i: (n, 0) for i, n in attempts.items() if i not in want})
        pu.check(not wrong, f"{path}: (attempts, wanted) by id: {dict(list(wrong.items())[:10])}")
    pu.check(all(r.json["type"] == "publish_stop" for r in rx.snapshot("/stop")), "/stop types")
    ran = [ns for _, ns in threads]
    pu.check(min(ran) >= 0.2 * sum(ran) / len(ran), f"work not spread over the loops: {threads}")
    pu.log(f"max in flight {rx.max_in_flight}")
    pu.check(rx.max_in_flight <= CONC, f"{rx.max_in_flight} ran at once, limit {CONC}")
    pu.check(rx.max_in_flight == CONC, "hooks ran in parallel up to the limit")
    conns = {r.client for r in rx.snapshot()}
    total = len(rx.snapshot())
    pu.log(f"{total} requests over {len(conns)} connections")
    pu.check(len(conns) <= LOOPS * CONC, f"connections not reused: {len(conns)}")


pu.run(main)
