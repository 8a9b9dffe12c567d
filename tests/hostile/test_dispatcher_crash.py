#!/usr/bin/env python3
"""A dispatcher killed with SIGKILL mid-stream, then restarted.

rtmp-ingest binds its event socket (-events-bind, -events-buffer 1000); an external
rtmp-dispatcher pulls and prints every event (-hook-stdio-format json). Short TCP
connections generate events (connection_accept + connection_close each). The
dispatcher is SIGKILLed while events flow; more are produced while it is down; a new
dispatcher starts. Then:
  - the events produced while no dispatcher ran arrive at the new one (the ingest's
    buffer held them; nothing went to the stdio fallback);
  - no event arrives twice; each dispatcher's seqs are contiguous;
  - the events lost inside the dead process are exactly those between the last seq the
    dead one printed and the first the new one got, and the new one logs where it
    picked up ("first event from ingest … (node …) at seq N") and reports the N-1 events it
    never saw as a seq gap;
  - printed by the dead one + by the new one + lost == emitted (the ingest's counter).
"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402
import rtmp_raw as r  # noqa: E402

RATE = 100  # connections per second (2 events each)


def dispatcher_bin():
    path = os.environ.get("RTMP_DISPATCHER_BIN") or os.path.join(
        os.path.dirname(h.ingest_binary()), "rtmp-dispatcher")
    if not os.access(path, os.X_OK):
        h.fail(f"rtmp-dispatcher not found at {path} (set RTMP_DISPATCHER_BIN)")
    return path


def seqs_of(proc):
    return [e["seq"] for e in h.read_events(proc.stderr_path)]


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip("rtmp-ingest only")
    ep = f"tcp://127.0.0.1:{h.free_port()}"
    mport = h.free_port()
    ingest = h.Ingest(ctx, stdio_events=False, args=[
        "-events-bind", ep, "-events-buffer", "1000", "-metrics-addr", f"127.0.0.1:{mport}",
        "-log-level", "info"])
    # The webhook target first hangs (so the dispatcher's hook queue fills, it stops
    # pulling and events pile up in flight to it), later it answers.
    hole = r.BlackHole()
    hook_port = hole.port
    disp_argv = [dispatcher_bin(), "-events-connect", ep, "-hook-stdio-format", "json",
                 "-log-format", "json", "-hook-webhook", f"*=http://127.0.0.1:{hook_port}/",
                 "-hook-concurrency", "1", "-hook-queue", "10", "-hook-timeout", "60s",
                 # one dispatcher at a time: a gap is a loss here, logged at WARN
                 "-sole-consumer"]
    first = ctx.proc("dispatcher1", disp_argv)
    emitted = lambda: int(r.metric(mport, "rtmp_ingest_events_emitted_total") or 0)  # noqa: E731

    prod = r.Producer(ingest.port, RATE)
    h.wait_for(lambda: len(seqs_of(first)) >= 5, 60, "events at the first dispatcher")
    # It stalls on the hanging webhook; events queue up in flight to it.
    h.wait_for(lambda: emitted() >= len(seqs_of(first)) + 300, 60, "300 events in flight")

    # Kill it mid-stream; the producer keeps going.
    at_kill = emitted()
    first.send_signal(signal.SIGKILL)
    first.wait_exit(10)
    h.log(f"dispatcher1 SIGKILLed at {at_kill} events emitted; it printed "
          f"{len(seqs_of(first))}")
    h.wait_for(lambda: emitted() >= at_kill + 300, 60, "300 more events while no dispatcher runs")
    down_from = at_kill + 100  # surely produced after the ingest saw the peer gone
    down_to = emitted()
    h.check(down_to - at_kill < 1000, f"{down_to - at_kill} events while down exceed the buffer")

    # The webhook target recovers; a dispatcher with the same flags starts.
    hole.close()
    recv = r.Receiver(hook_port)
    second = ctx.proc("dispatcher2", disp_argv)
    h.wait_for(lambda: len(seqs_of(second)) >= 1, 30, "events at the restarted dispatcher")
    h.wait_for(lambda: emitted() >= down_to + 100, 60, "100 events after the restart")
    total = 2 * prod.stop()
    h.wait_for(lambda: emitted() == total, 60, f"{total} events emitted (2 per connection)")
    h.wait_for(lambda: (seqs_of(second) or [0])[-1] == total, 60,
               f"the restarted dispatcher to reach seq {total}")

    a, b = seqs_of(first), seqs_of(second)
    lost = set(range(1, total + 1)) - set(a) - set(b)
    h.log(f"emitted {total}; dispatcher1 printed {len(a)} (seq {a[0]}..{a[-1]}), "
          f"dispatcher2 printed {len(b)} (seq {b[0]}..{b[-1]}), lost in the dead one: "
          f"{len(lost)} {('seq %d..%d' % (min(lost), max(lost))) if lost else ''}")
    h.check(len(set(a) | set(b)) == len(a) + len(b), "an event was delivered twice")
    h.check(a == list(range(1, len(a) + 1)), "dispatcher1's seqs are not 1..n in order")
    h.check(b == list(range(b[0], total + 1)), "dispatcher2's seqs are not contiguous")
    h.check(lost, "nothing was in flight to the killed dispatcher (test did not test)")
    h.check(lost == set(range(a[-1] + 1, b[0])),
            "the lost events are not exactly those between the two dispatchers")
    h.check(len(a) + len(b) + len(lost) == total, "printed + lost != emitted")
    h.check(set(range(down_from, down_to + 1)) <= set(b),
            f"events produced while no dispatcher ran (seq {down_from}..{down_to}) missing")
    h.check(r.metric(mport, "rtmp_ingest_events_fallback_total") == 0,
            "events went to the stdio fallback")
    h.check(ingest.proc.stderr().strip() == "", "the ingest wrote fallback events to stderr")

    # Webhooks of the second dispatcher: each of its events POSTed once.
    h.wait_for(lambda: len(recv.ids) >= len(b), 60, f"{len(b)} webhook POSTs")
    h.check(sorted(recv.ids) == b, "webhook POSTs are not exactly dispatcher2's events")

    # The new dispatcher says where it picked up: seq b[0], so b[0]-1 before it were not
    # seen by it (len(a) printed by the dead one, the rest lost inside it).
    line = second.wait_line(rf"first event from ingest \S+ \(node [^)]*\) at seq {b[0]}\b", 10)
    h.log(f"dispatcher2 logged: {line.group(0)!r}; gap before it: {b[0] - 1} "
          f"= {len(a)} printed by dispatcher1 + {len(lost)} lost")
    # ... and reports them as a seq gap (the dead one's printed events are among them:
    # one dispatcher cannot tell what another handled), and no other gap.
    gap_lines = [l for l in second.stdout().splitlines() if "gap" in l]
    h.check(len(gap_lines) == 1 and f"seq gap: {b[0] - 1} events" in gap_lines[0],
            f"dispatcher2 did not report the {b[0] - 1} unseen events as one gap: {gap_lines[:3]}")
    ingest.stop()
    second.stop()
    recv.close()
    r.check_sanitizer_clean(ctx)


if __name__ == "__main__":
    h.run(main)
