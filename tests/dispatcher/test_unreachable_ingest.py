"""A dispatcher that cannot reach an ingest says so: a WARN naming the endpoint
and the cause where known, at the first failed attempt (at start for a host
name that does not resolve) and every -connect-warn-interval while it stays
unconnected; once the ingest is up it logs the connection and the WARNs stop.
Two endpoints: a loopback port nothing listens on (an event_pusher binds it
later, for about 10 s) and a host name under .invalid, which never resolves."""
import urllib.request

import proc_util as pu

UNRESOLVED = "tcp://no-such-ingest.invalid:5556"


def connected(port):
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    for line in body.splitlines():
        if line.startswith("rtmp_dispatcher_connected_ingests "):
            return float(line.split()[1])
    return None


def main(ctx):
    port = pu.free_port()
    idle = f"tcp://127.0.0.1:{port}"
    mport = pu.free_port()
    d = pu.dispatcher(ctx, "dispatcher", [
        "-events-connect", idle, "-events-connect", UNRESOLVED, "-hook-stdio-format", "json",
        "-connect-warn-interval", "1s", "-metrics-addr", f"127.0.0.1:{mport}"])

    refused = (r'"level":"warn".*not connected to ingest ' + idle.replace(".", r"\.") +
               r" .*nothing accepts the connection")
    unresolved = (r'"level":"warn".*not connected to ingest ' + UNRESOLVED.replace(".", r"\.") +
                  r" .*(does not resolve)")
    d.wait_log(refused, 20)
    d.wait_log(unresolved, 20)
    # ... and again every second while it stays so.
    d.wait_log(refused, 20, count=3)
    d.wait_log(unresolved, 20, count=3)
    pu.check(connected(mport) == 0, "connected_ingests is not 0 with nothing reachable")

    # Up for about 10 s (200 events at 20/s): the checks below run meanwhile.
    pusher = pu.Pusher(ctx, "pusher", ["-bind", idle, "-count", "200", "-rate", "20",
                                       "-wait-peers", "1"])
    d.wait_log(r'"level":"info".*connected to ingest ' + idle.replace(".", r"\."), 30)
    pu.wait_for(lambda: connected(mport) == 1, 30, "connected_ingests 1")
    before = d.count_log(refused)
    still = d.count_log(unresolved)
    d.wait_log(unresolved, 20, count=still + 2)  # two more intervals for the other endpoint
    pu.check(d.count_log(refused) == before,
             f"WARNs about {idle} went on after it connected")
    pu.check(pusher.wait_sent() == 200, "pusher")
    pu.check(d.stop() == 0, "exit status")


pu.run(main)
