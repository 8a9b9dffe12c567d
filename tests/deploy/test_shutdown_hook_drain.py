"""SIGTERM with a full hook queue is bounded by -shutdown-timeout (docs/operations.md with
the bound): queued hook executions still waiting at the deadline are abandoned
with one ERROR line counting them, the running ones end within -hook-timeout,
and the process exits 0. Before the bound, a queue behind a dead webhook took
queue x -hook-timeout / -hook-concurrency to drain (here 200 x 4 s / 2 = 400 s).

Three runs with real processes:
  1. rtmp-ingest with embedded hooks (-hook-webhook) to a target that accepts
     TCP and never answers; 200 events queued; SIGTERM to the ingest.
  2. rtmp-dispatcher pulling from an ingest (-events-bind), same dead target.
  3. rtmp-dispatcher with a live but slow receiver (0.25 s per request,
     concurrency 2): deliveries go on during the drain until the deadline,
     nothing is cut off mid-request, and delivered + abandoned = all events,
     each event in exactly one of the two (abandoned ones are named at DEBUG).
In run 1, while the ingest drains, its RTMP port refuses new connections and
its /readyz answers 503 (the listener closes at the signal, not at exit).
"""
import errno
import re
import signal
import socket
import time

import ops_util as u
from ops_util import h

CONNS = 100  # short TCP connections: connection_accept + connection_close each
EVENTS = 2 * CONNS
SHUTDOWN_S = 3
HOOK_TIMEOUT_S = 4
SLACK_S = 6  # process start-up/tear-down, a loaded machine, sanitizer builds


def wait_queued(mport, what):
    """Until the dispatcher has received every event and most wait in its queue."""
    h.wait_for(lambda: u.metric(mport, "rtmp_dispatcher_events_received_total") >= EVENTS, 60,
               f"{what}: {EVENTS} events received")
    q = u.metric(mport, "rtmp_dispatcher_queue_depth")
    h.check(q >= EVENTS - 10, f"{what}: only {q:g} executions queued")
    return q


def abandoned_line(proc, what):
    lines = [l for l in proc.stdout().splitlines() if "shutdown timeout: abandoned" in l]
    h.check(len(lines) == 1, f"{what}: {len(lines)} 'abandoned' lines: {lines}")
    line = lines[0]
    h.check('"level":"error"' in line or "error" in line.lower(), f"{what}: not ERROR: {line}")
    m = re.search(r"abandoned (\d+) queued hook execution\(s\) \((\d+) webhook, (\d+) script(, \d+ \w+)*\)",
                  line)
    h.check(m, f"{what}: unparsable line {line}")
    h.log(f"{what}: {line}")
    return int(m.group(1))


def connect_result(port):
    """"refused" (nothing listens), "connected" or "other" for a TCP connect."""
    s = socket.socket()
    s.settimeout(5)
    try:
        s.connect(("127.0.0.1", port))
        return "connected"
    except OSError as e:
        return "refused" if e.errno == errno.ECONNREFUSED else "other"
    finally:
        s.close()


def check_stopped_serving(proc, rtmp_port, mport, what):
    """While the process drains: no new RTMP client gets in, and /readyz says so.
    Returns how many probes got in before the listener closed (a signal is
    handled on a loaded machine a little later): each made two events."""
    got_in = []

    def refused():
        result = connect_result(rtmp_port)
        if result == "connected":
            got_in.append(result)
        return result == "refused"
    h.wait_for(refused, 10, f"{what}: RTMP port refusing during the drain")
    status = u.http_get(mport, "/readyz")[0]
    h.check(proc.poll() is None, f"{what}: exited before the drain could be observed")
    h.check(status == 503, f"{what}: /readyz answered {status} during the drain")
    h.log(f"{what}: during the drain the RTMP port refuses and /readyz answers {status} "
          f"({len(got_in)} probe(s) got in first)")
    return len(got_in)


def timed_sigterm(proc, what, during=None):
    """(time of the signal, seconds to exit, what `during` returned)."""
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    during_result = during() if during else None
    code = proc.wait_exit(SHUTDOWN_S + HOOK_TIMEOUT_S + SLACK_S + 30)  # unbounded: ~400 s
    took = time.monotonic() - t0
    h.log(f"{what}: exit {code} {took:.2f} s after SIGTERM "
          f"(-shutdown-timeout {SHUTDOWN_S}s, -hook-timeout {HOOK_TIMEOUT_S}s)")
    h.check(code == 0, f"{what}: exit status {code}")
    return t0, took, during_result


def check_dead_drain(proc, what, took, events=EVENTS):
    bound = SHUTDOWN_S + HOOK_TIMEOUT_S + SLACK_S
    h.check(took <= bound, f"{what}: shutdown took {took:.1f} s > {bound} s")
    h.check(took >= SHUTDOWN_S - 0.5, f"{what}: exited after {took:.1f} s, before the deadline")
    abandoned = abandoned_line(proc, what)
    failed = sum(1 for l in proc.stdout().splitlines() if "failed in" in l)
    h.log(f"{what}: {failed} executions failed (timed out), {abandoned} abandoned")
    h.check(failed + abandoned == events,
            f"{what}: {failed} failed + {abandoned} abandoned != {events} executions")
    h.check(abandoned >= EVENTS - 10, f"{what}: only {abandoned} abandoned")
    h.check(all(re.search(r"(?i)time", l) for l in proc.stdout().splitlines()
                if "failed in" in l), f"{what}: a failure without a timeout cause")


def run_embedded(ctx, hole):
    what = "embedded"
    mport = h.free_port()
    ingest = h.Ingest(ctx, name="ingest-embedded", stdio_events=False,
                      args=["-hook-webhook", f"*=http://127.0.0.1:{hole.port}/",
                            "-hook-timeout", f"{HOOK_TIMEOUT_S}s", "-hook-concurrency", "2",
                            "-shutdown-timeout", f"{SHUTDOWN_S}s",
                            "-metrics-addr", f"127.0.0.1:{mport}"])
    u.short_connections(ingest.port, CONNS)
    wait_queued(mport, what)
    _, took, got_in = timed_sigterm(
        ingest.proc, what, lambda: check_stopped_serving(ingest.proc, ingest.port, mport, what))
    events = EVENTS + 2 * got_in
    m = re.search(r"rtmp-ingest stopped: (\d+) events emitted, (\d+) sent",
                  ingest.proc.stdout())
    h.check(m and int(m.group(1)) == events == int(m.group(2)),
            f"{what}: final line {m.group(0) if m else None}, want {events} emitted and sent")
    check_dead_drain(ingest.proc, what, took, events)


def source_ingest(ctx, name):
    events_port = h.free_port()
    ingest = h.Ingest(ctx, name=name, stdio_events=False,
                      args=["-events-bind", f"tcp://127.0.0.1:{events_port}"])
    return ingest, events_port


def dispatcher(ctx, name, events_port, hook_url, mport):
    d = ctx.proc(name, [u.dispatcher_binary(),
                        "-events-connect", f"tcp://127.0.0.1:{events_port}",
                        "-hook-webhook", f"*={hook_url}",
                        "-hook-timeout", f"{HOOK_TIMEOUT_S}s", "-hook-concurrency", "2",
                        "-shutdown-timeout", f"{SHUTDOWN_S}s",
                        "-metrics-addr", f"127.0.0.1:{mport}",
                        "-log-level", "debug", "-log-format", "json"])
    d.wait_line(r"connected to ingest", 30, "stdout")
    return d


def run_dispatcher_dead(ctx, hole):
    what = "rtmp-dispatcher, dead webhook"
    ingest, events_port = source_ingest(ctx, "ingest-source-dead")
    mport = h.free_port()
    d = dispatcher(ctx, "dispatcher-dead", events_port, f"http://127.0.0.1:{hole.port}/", mport)
    u.short_connections(ingest.port, CONNS)
    wait_queued(mport, what)
    _, took, _ = timed_sigterm(d, what)
    check_dead_drain(d, what, took)
    ingest.stop()


def run_dispatcher_slow(ctx):
    what = "rtmp-dispatcher, slow receiver"
    delay = 0.25
    rx = u.Receiver(delay=lambda ev: delay)
    ingest, events_port = source_ingest(ctx, "ingest-source-slow")
    mport = h.free_port()
    d = dispatcher(ctx, "dispatcher-slow", events_port, f"{rx.url}/hook", mport)
    u.short_connections(ingest.port, CONNS)
    wait_queued(mport, what)
    t_term, took, _ = timed_sigterm(d, what)
    t_exit = t_term + took
    h.check(took <= SHUTDOWN_S + delay + SLACK_S, f"{what}: shutdown took {took:.1f} s")

    arrived = rx.snapshot()
    ids = [e["id"] for _, e, _ in arrived]
    h.check(len(ids) == len(set(ids)), f"{what}: an event delivered twice")
    # The receiver notes an answer just after writing it, maybe just after our exit
    # check; a request cut off by the exit is never noted.
    def all_answered():
        a = rx.answered_snapshot()
        return a if len(a) == len(arrived) else None
    answered = h.wait_for(all_answered, 10,
                          f"{what}: all {len(arrived)} requests answered (none cut off)")
    h.check(all(t <= t_exit + 0.5 for _, _, t in answered), f"{what}: an answer after the exit")
    during = [t for _, _, t in answered if t > t_term]
    h.log(f"{what}: {len(answered)} delivered, {len(during)} of them during the drain")
    h.check(len(during) >= 2, f"{what}: deliveries stopped at SIGTERM ({len(during)} during "
                              f"the drain)")
    h.check(all(t <= t_term + SHUTDOWN_S + delay + 1 for _, _, t in answered),
            f"{what}: an execution started after the deadline")
    abandoned = abandoned_line(d, what)
    named = set(re.findall(r"abandoned webhook \S+ id=(\S+) ->", d.stdout()))
    h.check(len(named) == abandoned, f"{what}: {len(named)} abandoned ids named at DEBUG, "
                                     f"{abandoned} counted")
    h.check(not named & set(ids), f"{what}: an abandoned event was delivered")
    h.check(len(ids) + abandoned == EVENTS,
            f"{what}: {len(ids)} delivered + {abandoned} abandoned != {EVENTS}")
    h.check("failed in" not in d.stdout(), f"{what}: a hook failed")
    ingest.stop()
    rx.close()


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip("rtmp-ingest and rtmp-dispatcher only")
    hole = u.BlackHole()
    try:
        run_embedded(ctx, hole)
        run_dispatcher_dead(ctx, hole)
        run_dispatcher_slow(ctx)
    finally:
        hole.close()
    u.check_no_sanitizer_reports(ctx)


if __name__ == "__main__":
    h.run(main)
