"""Must-show 5: two dispatchers connected to one ingest (event_pusher stands in
for it) share 1,000 events, each handled exactly once across them (by id); then,
in a second run, stopping one mid-run (SIGTERM, graceful) moves the rest to the
other.

ZeroMQ PUSH/PULL has no acknowledgment: an event the ingest's PUSH socket has
already routed to a dispatcher at the instant that dispatcher disconnects is
lost (in PUSH's pipe or on the wire). The dispatcher drains everything that
reached it before disconnecting, so that window is a few milliseconds; the
second run allows at most 3 such events, only right at the stop, and prints
how many there were."""
import signal
import time

import proc_util as pu

N = 1000


def share(ctx, rx, tag, stop_a):
    pusher = pu.Pusher(ctx, f"pusher-{tag}", ["-count", str(N), "-rate", "200", "-wait-peers", "2",
                                               "-ingest-id", tag])
    a = pu.dispatcher(ctx, f"a-{tag}", ["-events-connect", pusher.endpoint,
                                        "-hook-webhook", f"*={rx.url}/{tag}/a"])
    b = pu.dispatcher(ctx, f"b-{tag}", ["-events-connect", pusher.endpoint,
                                        "-hook-webhook", f"*={rx.url}/{tag}/b"])
    a_exit = None
    if stop_a:
        rx.wait_count(150, 60, f"/{tag}/a")
        a.signal(signal.SIGTERM)
        pu.check(a.wait_exit(60) == 0, "a exits 0 after SIGTERM")
        a_exit = time.monotonic()
    pusher.wait_sent(60)
    expect = {f"evt-{tag}-{s}" for s in range(1, N + 1)}
    handled = lambda: {r.json["id"] for r in rx.snapshot() if r.path.startswith(f"/{tag}/")}
    if stop_a:
        # Quiet for a second after the last event = nothing more is coming.
        last = [0, time.monotonic()]

        def settled():
            n = len(handled())
            if n != last[0]:
                last[:] = [n, time.monotonic()]
            return n >= N or (n >= N - 10 and time.monotonic() - last[1] > 1.0)
        pu.wait_for(settled, 60, "events handled")
    else:
        pu.wait_for(lambda: handled() >= expect, 60, "all events handled")
    if not stop_a:
        pu.check(a.stop() == 0, "a exits 0")
    pu.check(b.stop() == 0, "b exits 0")

    a_reqs, b_reqs = rx.snapshot(f"/{tag}/a"), rx.snapshot(f"/{tag}/b")
    a_ids = [r.json["id"] for r in a_reqs]
    b_ids = [r.json["id"] for r in b_reqs]
    both = set(a_ids) & set(b_ids)
    lost = sorted(int(i.rsplit("-", 1)[1]) for i in expect - set(a_ids) - set(b_ids))
    pu.log(f"[{tag}] a handled {len(a_ids)}, b handled {len(b_ids)}, by both {len(both)}, "
           f"lost {lost}")
    pu.check(len(a_ids) == len(set(a_ids)) and len(b_ids) == len(set(b_ids)), "a repeat")
    pu.check(not both, f"handled by both: {sorted(both)[:5]}")
    pu.check(len(a_ids) >= 100 and len(b_ids) >= 100, "both took a share")
    if not stop_a:
        pu.check(not lost, "every event handled")
        return
    a_last = max(r.json["seq"] for r in a_reqs)
    pu.check(len(lost) <= 3 and all(a_last < s <= a_last + 10 for s in lost),
             f"lost {lost} beyond the stop window (a's last seq {a_last})")
    pu.check(not [r for r in a_reqs if r.started > a_exit], "a handled nothing after it exited")
    b_after = [r for r in b_reqs if r.started > a_exit]
    pu.check(len(b_after) > 100, f"b took over the rest ({len(b_after)} after a stopped)")
    pu.check(len(b_ids) + len(a_ids) + len(lost) == N, "accounting")


def main(ctx):
    rx = pu.Receiver()
    ctx.cleanups.append(rx.close)
    share(ctx, rx, "steady", stop_a=False)
    share(ctx, rx, "stop", stop_a=True)


pu.run(main)
