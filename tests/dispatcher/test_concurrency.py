"""Must-show 4: with -hook-concurrency 3 and 50 slow hooks, the receiver never
sees more than 3 requests at once (and does see 3: they do run in parallel),
and all 50 complete."""
import proc_util as pu

N = 50


def main(ctx):
    rx = pu.Receiver(lambda req, n: (200, 0.3))
    ctx.cleanups.append(rx.close)
    pusher = pu.Pusher(ctx, "pusher", ["-count", str(N), "-wait-peers", "1"])
    d = pu.dispatcher(ctx, "dispatcher", ["-events-connect", pusher.endpoint,
                                          "-hook-webhook", f"*={rx.url}/slow",
                                          "-hook-concurrency", "3", "-log-level", "debug"])
    pusher.wait_sent()
    reqs = rx.wait_count(N, 120, "/slow")
    d.wait_log(r"webhook .* ok in", 60, count=N)
    ids = {r.json["id"] for r in reqs}
    pu.log(f"{len(reqs)} requests, {len(ids)} distinct, max in flight {rx.max_in_flight}")
    pu.check(len(ids) == N == len(reqs), "every hook exactly once")
    pu.check(rx.max_in_flight <= 3, f"{rx.max_in_flight} ran at once")
    pu.check(rx.max_in_flight == 3, "hooks ran in parallel up to the limit")
    pu.check(d.stop() == 0, "exit status")


pu.run(main)
