"""Must-show 2: 503, 503, 200 -> three attempts with the same webhook-id (and a
valid signature on each); a 404 is not retried; a receiver that never answers
is abandoned at -hook-timeout and the failure logged with its duration."""
import re

import proc_util as pu

SECRET = "plain secret"


def behave(req, n):
    if req.path == "/flaky":
        return (503, 0) if n < 2 else (200, 0)
    if req.path == "/missing":
        return (404, 0)
    if req.path == "/hang":
        return None
    return (200, 0)


def main(ctx):
    rx = pu.Receiver(behave)
    ctx.cleanups.append(rx.close)
    pusher = pu.Pusher(ctx, "pusher", ["-count", "3", "-wait-peers", "1",
                                       "-types", "publish_start,publish_stop,play_start"])
    d = pu.dispatcher(ctx, "dispatcher", [
        "-events-connect", pusher.endpoint,
        "-hook-webhook", f"publish_start={rx.url}/flaky",
        "-hook-webhook", f"publish_stop={rx.url}/missing",
        "-hook-webhook", f"play_start={rx.url}/hang",
        "-hook-timeout", "3s", "-webhook-retries", "3", "-webhook-secret", SECRET,
        "-log-level", "debug",
    ])
    pusher.wait_sent()

    flaky = rx.wait_count(3, 60, "/flaky")
    d.wait_log(r"webhook publish_start id=evt-pusher-1 .*ok in \d+ms \(attempts 3\)", 30)
    pu.check(len(flaky) == 3, f"/flaky attempts: {len(flaky)}")
    pu.check(len({r.headers["webhook-id"] for r in flaky}) == 1, "same webhook-id on retries")
    pu.check(flaky[0].headers["webhook-id"] == "evt-pusher-1", "webhook-id = event id")
    pu.check(all(pu.standard_webhooks_verify(SECRET, r) for r in flaky), "signatures")
    pu.check(all(r.body == flaky[0].body for r in flaky), "same body on retries")
    pu.check(d.count_log(r"attempt [12] failed: HTTP 503") == 2, "each 503 logged")

    d.wait_log(r"error.*webhook publish_stop id=evt-pusher-2 .*failed in \d+ms after 1 attempt\(s\): HTTP 404", 30)
    hang = d.wait_log(r"error.*webhook play_start id=evt-pusher-3 .*failed in (\d+)ms .*(timed out|Timeout)", 30)
    took = int(hang[0].group(1))
    pu.log(f"never-answering receiver abandoned after {took}ms")
    pu.check(2900 <= took <= 6000, f"abandoned after {took}ms, want ~3000")
    pu.check(len(rx.snapshot("/missing")) == 1, "404 not retried")
    pu.check(len(rx.snapshot("/hang")) == 1, "timed-out request not retried past the deadline")
    pu.check(d.stop() == 0, "exit status")


pu.run(main)
