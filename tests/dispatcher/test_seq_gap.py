"""A dispatcher that sees a seq gap from an ingest counts the missing events
(rtmp_dispatcher_seq_gaps_total). What it logs depends on who else pulls: by
default other dispatchers may share the ingest and take those events, so a gap
is a DEBUG line and never a WARN; with -sole-consumer nobody else could have
taken them, so the gap is a loss: a WARN with the number of missing events."""

import proc_util as pu

GAP_LINE = r"ingest pusher: seq gap, 3 event\(s\) missing before seq 8"


def run_one(ctx, name, extra):
    pusher = pu.Pusher(ctx, f"pusher-{name}",
                       ["-count", "20", "-wait-peers", "1", "-skip", "5,6,7,15"])
    port = pu.free_port()
    d = pu.dispatcher(ctx, name, ["-events-connect", pusher.endpoint, "-hook-stdio-format", "env",
                                  "-log-level", "debug", "-metrics-addr", f"127.0.0.1:{port}"]
                      + extra)
    pusher.wait_sent()
    pu.wait_for(lambda: len(d.stderr().splitlines()) == 16, 30, f"{name}: 16 env lines")
    lines = d.stderr().splitlines()
    pu.check(lines[0].startswith("RTMP_EVENT_TYPE='connection_accept' "), f"env line: {lines[0]}")
    seqs = [int(l.split(" RTMP_SEQ='")[1].split("'")[0]) for l in lines]
    pu.check(seqs == [s for s in range(1, 21) if s not in (5, 6, 7, 15)], f"order {seqs}")
    pu.wait_for(lambda: pu.metric(port, "rtmp_dispatcher_seq_gaps_total") == 4, 30,
                f"{name}: rtmp_dispatcher_seq_gaps_total 4")
    return d


def main(ctx):
    shared = run_one(ctx, "shared", [])
    shared.wait_log(r'"level":"debug".*' + GAP_LINE, 30)
    warned = shared.count_log(r'"level":"warn".*gap')
    pu.check(warned == 0, f"a dispatcher that may share its ingest WARNed {warned} gap line(s)")
    pu.check(shared.stop() == 0, "exit status")

    sole = run_one(ctx, "sole", ["-sole-consumer"])
    sole.wait_log(r'"level":"warn".*' + GAP_LINE + r".*lost", 30)
    pu.check(sole.stop() == 0, "exit status")


pu.run(main)
