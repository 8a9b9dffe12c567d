"""On SIGTERM the dispatcher stops pulling, finishes the executions it
already queued (each up to its timeout), and exits 0."""
import signal
import time

import proc_util as pu

N = 12


def main(ctx):
    rx = pu.Receiver(lambda req, n: (200, 0.5))
    ctx.cleanups.append(rx.close)
    pusher = pu.Pusher(ctx, "pusher", ["-count", str(N), "-wait-peers", "1"])
    d = pu.dispatcher(ctx, "dispatcher", ["-events-connect", pusher.endpoint,
                                          "-hook-webhook", f"*={rx.url}/slow",
                                          "-hook-stdio-format", "json",
                                          "-hook-concurrency", "2"])
    pusher.wait_sent()
    pu.wait_for(lambda: len(pu.stdio_events(d)) == N, 60, "all events pulled")
    done_at_signal = len([r for r in rx.snapshot() if r.ended])
    pu.check(done_at_signal < N, "the test stops the dispatcher while hooks are queued")
    t0 = time.monotonic()
    d.signal(signal.SIGTERM)
    pu.check(d.wait_exit(60) == 0, "exit status 0")
    took = time.monotonic() - t0
    reqs = rx.snapshot("/slow")
    pu.log(f"{done_at_signal} done at SIGTERM; {len(reqs)} done at exit, {took:.1f}s later")
    pu.check(len({r.json["id"] for r in reqs}) == N, "every queued execution finished")
    pu.check(all(r.ended for r in reqs), "no request cut off")
    d.wait_log(r"dispatcher stopped\"", 5)


pu.run(main)
