"""How a webhook's answer steers its delivery, beyond the status code:

- 200 whose body then stalls past -hook-timeout: delivered (the receiver took
  the event when it answered 2xx), one attempt, no dead letter.
- 429 with Retry-After: 2: the retry waits those 2 s, not the backoff's
  ~100 ms, then succeeds.
- 503 with Retry-After: 120 under a 5 s -hook-timeout: given up at once, the
  reason naming the Retry-After, not after retrying for 5 s.

(Seen failing before: the stalled 200 was a failure and a dead letter; the
429 retry came after ~100 ms; the 503 was retried until the timeout.)
"""
import os

import proc_util as pu


def behave(req, n):
    if req.path == "/stall":
        return (200, 0, {"stall_body": 9})
    if req.path == "/limited":
        return (429, 0, {"headers": {"Retry-After": "2"}}) if n == 0 else (200, 0)
    if req.path == "/later":
        return (503, 0, {"headers": {"Retry-After": "120"}})
    return (200, 0)


def main(ctx):
    rx = pu.Receiver(behave)
    ctx.cleanups.append(rx.close)
    dead = os.path.join(ctx.tmp, "dead.jsonl")
    pusher = pu.Pusher(ctx, "pusher", ["-count", "3", "-wait-peers", "1",
                                       "-types", "publish_start,publish_stop,play_start"])
    d = pu.dispatcher(ctx, "dispatcher", [
        "-events-connect", pusher.endpoint,
        "-hook-webhook", f"publish_start={rx.url}/stall",
        "-hook-webhook", f"publish_stop={rx.url}/limited",
        "-hook-webhook", f"play_start={rx.url}/later",
        "-hook-timeout", "5s", "-webhook-retries", "3", "-dead-letter", dead,
        "-log-level", "debug",
    ])
    pusher.wait_sent()

    later = d.wait_log(r"error.*webhook play_start id=evt-pusher-3 .*failed in (\d+)ms after 1 "
                       r"attempt\(s\): HTTP 503.*Retry-After, 120s, ends past -hook-timeout", 60)
    pu.check(int(later[0].group(1)) < 4000, f"Retry-After 120 given up after {later[0].group(1)}ms")

    limited = rx.wait_count(2, 60, "/limited")
    gap = limited[1].started - limited[0].ended
    pu.log(f"429 Retry-After: 2 -> retried {gap:.2f}s later")
    pu.check(gap >= 1.9, f"retried {gap:.2f}s after a 429 with Retry-After: 2")
    d.wait_log(r"webhook publish_stop id=evt-pusher-2 .*ok in \d+ms \(attempts 2\)", 30)

    d.wait_log(r"webhook publish_start id=evt-pusher-1 .*ok in \d+ms", 60)
    pu.check(len(rx.snapshot("/stall")) == 1, "the stalled 200 was not retried")
    pu.check(d.count_log(r"error.*webhook publish_start") == 0, "the stalled 200 logged as an error")

    pu.check(d.stop() == 0, "exit status")
    letters = open(dead).read().splitlines() if os.path.exists(dead) else []
    pu.check(len(letters) == 1 and '"evt-pusher-3"' in letters[0],
             f"dead letters: want only the 503's, got {letters}")


pu.run(main)
