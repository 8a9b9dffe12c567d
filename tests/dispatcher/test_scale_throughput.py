"""Must-show: more dispatchers, more hook throughput. A receiver answers each
webhook after 20 ms (80 ms in sanitizer builds); an event source (event_pusher, standing in for rtmp-ingest's
PUSH socket) deals events out to one dispatcher, then to three. Hook throughput,
counted at the receiver, grows >= 2.5x from one dispatcher to three.

Why this holds on a loaded 2-core machine: a webhook here costs the dispatcher
well under a millisecond of CPU and the receiver 20 ms of waiting, so one
dispatcher is bound by -hook-concurrency / 20 ms, not by CPU. The test gives each
dispatcher -hook-concurrency 2 (at most 2 x 50 = 100 hooks/s), so one dispatcher is
clearly the bottleneck, and three (300/s ideal) still ask little of the CPU and
of the Python receiver; the ideal ratio is 3.0, the assertion 2.5.

Throughput is counted, not timed end to end: the receiver stamps each request as
it arrives, and the rate is taken over the middle of each run (from the 10th to
the 90th percentile of arrivals), so start-up and the tail where one dispatcher
finished before the others do not count. Every event is delivered exactly once
in both runs (ids), and each of the three dispatchers did its share.

SCALE_EVENTS_PER_DISPATCHER (default 300) sets the length of each run. A pair of
runs below the ratio is repeated, up to three pairs (see ATTEMPTS).
"""
import os

import proc_util as pu

# Under a sanitizer a webhook costs the dispatcher several times the CPU, so
# three dispatchers on a loaded 2-core machine become CPU-bound at 20 ms; a
# longer wait keeps the hooks latency-bound, which is what the test is about.
SANITIZED = os.environ.get("RTMP_TEST_SANITIZED", "0") == "1"
PER_DISPATCHER = int(os.environ.get("SCALE_EVENTS_PER_DISPATCHER", "150" if SANITIZED else "300"))
DELAY = 0.080 if SANITIZED else 0.020
CONCURRENCY = 2
MIN_RATIO = 2.5
# Other work on a shared machine can only take CPU from the three dispatchers
# and the receiver, never give them more than their ideal rate, so a noisy run
# is measured again (one and three, side by side) up to this many times; a
# defect that stops dispatchers scaling (a shared bottleneck, uneven dealing)
# fails every attempt.
ATTEMPTS = 3


def middle_rate(reqs):
    """Requests per second between the 10th and 90th percentile of arrivals."""
    times = sorted(r.started for r in reqs)
    lo, hi = len(times) // 10, len(times) * 9 // 10
    return (hi - lo) / (times[hi] - times[lo])


def run(ctx, rx, n_dispatchers, tag):
    path = f"/{tag}"
    count = PER_DISPATCHER * n_dispatchers
    # -wait-peers: every dispatcher is connected before the first event, so
    # ZeroMQ deals the events out evenly from the start.
    pusher = pu.Pusher(ctx, f"pusher-{tag}", [
        "-count", str(count), "-wait-peers", str(n_dispatchers), "-ingest-id", tag,
        "-node", f"node-{tag}"])
    ds = [pu.dispatcher(ctx, f"dispatcher-{tag}-{i}", [
        "-events-connect", pusher.endpoint, "-hook-webhook", f"*={rx.url}{path}",
        "-hook-concurrency", str(CONCURRENCY), "-log-level", "debug"])
        for i in range(n_dispatchers)]
    pusher.wait_sent()
    reqs = rx.wait_count(count, 300, path)
    ids = [r.json["id"] for r in reqs]
    pu.check(len(ids) == count and len(set(ids)) == count,
             f"{tag}: {len(ids)} requests, {len(set(ids))} distinct ids, want {count} each")
    for d in ds:
        pu.check(d.stop() == 0, f"{d.name} exit status")
    shares = [d.count_log(r"webhook .* ok in") for d in ds]
    pu.check(sum(shares) == count, f"{tag}: dispatchers logged {shares} successes, want {count}")
    # Each dispatcher carried a real part of the load (ZeroMQ deals evenly).
    pu.check(min(shares) >= count / n_dispatchers / 2,
             f"{tag}: uneven shares {shares}: a dispatcher sat idle")
    rate = middle_rate(reqs)
    pu.log(f"{n_dispatchers} dispatcher(s): {count} webhooks, {rate:.1f}/s in the middle of the "
           f"run (ideal {n_dispatchers * CONCURRENCY / DELAY:.0f}/s), shares {shares}, "
           f"max in flight {rx.max_in_flight}")
    return rate


def main(ctx):
    rx = pu.Receiver(lambda req, n: (204, DELAY))
    ctx.cleanups.append(rx.close)
    ratios = []
    for attempt in range(1, ATTEMPTS + 1):
        one = run(ctx, rx, 1, f"one{attempt}")
        three = run(ctx, rx, 3, f"three{attempt}")
        ratios.append(three / one)
        pu.log(f"attempt {attempt}: one -> three dispatchers: {one:.1f}/s -> {three:.1f}/s = "
               f"{ratios[-1]:.2f}x (load average {os.getloadavg()[0]:.1f})")
        if ratios[-1] >= MIN_RATIO:
            return
    pu.check(False, f"throughput grew {', '.join(f'{r:.2f}x' for r in ratios)} from 1 to 3 "
             f"dispatchers in {ATTEMPTS} attempts, want >= {MIN_RATIO}x")


pu.run(main)
