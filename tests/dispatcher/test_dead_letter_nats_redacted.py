"""A NATS hook's credentials never reach the dead-letter file, nor the log.

The target carries a user and password (nats://nu:nats-s3cret@...) and its
server is not there, so every execution fails at -hook-timeout and becomes a
dead letter. Neither the target nor the error of any line holds the
credentials (the error names the servers it could not reach), and no log
line does, at the DEBUG level either.

Each execution keeps trying until -hook-timeout: its last attempt comes just
before it, so it fails no sooner than about 250 ms before the timeout. (Seen
failing before: an execution gave up as soon as the backoff's next wait would
end past the timeout, at 1.2-1.9 s of a 2 s timeout.)"""
import re
import os

import proc_util as pu

COUNT = 3


def main(ctx):
    nowhere = pu.free_port()  # nothing listens there
    dead = os.path.join(ctx.tmp, "dead.jsonl")
    pusher = pu.Pusher(ctx, "pusher", ["-count", str(COUNT), "-wait-peers", "1",
                                       "-types", "publish_start"])
    d = pu.dispatcher(ctx, "dispatcher", [
        "-events-connect", pusher.endpoint,
        "-hook-nats", f"*=nats://nu:nats-s3cret@127.0.0.1:{nowhere},tok-s3cret@127.0.0.1:{nowhere}"
                      "/dl.{type}",
        "-hook-timeout", "2s", "-dead-letter", dead, "-log-level", "debug",
    ])
    pusher.wait_sent()
    pu.wait_for(lambda: len(pu.dead_letters(dead)) >= COUNT, 60, f"{COUNT} dead letters")
    pu.check(d.stop() == 0, "dispatcher exit status")
    raw = open(dead).read()
    got = pu.dead_letters(dead)
    pu.log(f"dead letter error: {got[0]['error']!r}")
    pu.check("s3cret" not in raw and "nu:" not in raw,
             f"credentials in the dead-letter file: {raw[:400]}")
    log = d.stdout() + d.stderr()
    pu.check("s3cret" not in log, "credentials in the log: " +
             " | ".join(l for l in log.splitlines() if "s3cret" in l)[:400])
    pu.check(all(l["credentials_removed"] is True and l["kind"] == "nats" for l in got),
             f"dead letters: {got}")
    took = [int(ms) for ms in re.findall(r"failed in (\d+)ms after \d+ attempt", log)]
    pu.log(f"executions failed after {took} ms")
    pu.check(len(took) == COUNT and all(t >= 1700 for t in took),
             f"executions gave up after {took} ms of a 2000 ms -hook-timeout")


if __name__ == "__main__":
    pu.run(main)
