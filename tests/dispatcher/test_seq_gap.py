"""A dispatcher that sees a seq gap from an ingest logs it (WARN) with
the number of missing events."""
import proc_util as pu


def main(ctx):
    pusher = pu.Pusher(ctx, "pusher", ["-count", "20", "-wait-peers", "1", "-skip", "5,6,7,15"])
    d = pu.dispatcher(ctx, "dispatcher", ["-events-connect", pusher.endpoint,
                                          "-hook-stdio-format", "env"])
    pusher.wait_sent()
    d.wait_log(r"warn.*ingest pusher: seq gap, 3 event\(s\) missing before seq 8", 30)
    pu.wait_for(lambda: len(d.stderr().splitlines()) == 16, 30, "16 env lines")
    lines = d.stderr().splitlines()
    pu.check(lines[0].startswith("RTMP_EVENT_TYPE='connection_accept' "), f"env line: {lines[0]}")
    seqs = [int(l.split(" RTMP_SEQ='")[1].split("'")[0]) for l in lines]
    pu.check(seqs == [s for s in range(1, 21) if s not in (5, 6, 7, 15)], f"order {seqs}")
    pu.check(d.stop() == 0, "exit status")


pu.run(main)
