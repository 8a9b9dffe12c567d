"""Must-show 3, second half: after 2,000 script runs no zombie child of the
dispatcher is left and its fd count is back to the baseline (from /proc).
Also prints the script hooks/s figure."""
import time

import proc_util as pu

RUNS = 2000


def main(ctx):
    script = ctx.write_script("quick.sh", "#!/bin/sh\ncat > /dev/null\necho done\n")
    warm = pu.Pusher(ctx, "warm", ["-count", "20", "-wait-peers", "1"])
    port = pu.free_port()
    d = pu.dispatcher(ctx, "dispatcher", [
        "-events-connect", warm.endpoint, "-events-connect", f"tcp://127.0.0.1:{port}",
        "-hook-script", f"*={script}", "-hook-concurrency", "10", "-log-level", "debug",
    ])
    warm.wait_sent()
    d.wait_log(r"script .* ok in", 60, count=20)
    baseline = pu.fd_count(d.pid)
    pu.log(f"baseline fds {baseline}")

    main_pusher = pu.Pusher(ctx, "main", ["-bind", f"tcp://127.0.0.1:{port}", "-count", str(RUNS),
                                          "-ingest-id", "main", "-wait-peers", "1"])
    start = time.monotonic()
    d.wait_log(r"script .* id=evt-main-\d+ .*ok in", 600, count=RUNS)
    took = time.monotonic() - start
    pu.log(f"{RUNS} script runs in {took:.1f}s = {RUNS / took:.0f} runs/s at concurrency 10")
    pu.check(d.count_log(r"\"error\"") == 0, "no script failed")

    children = pu.proc_children(d.pid)
    pu.check(not children, f"children left: {children}")
    fds = pu.wait_for(lambda: pu.fd_count(d.pid) <= baseline and pu.fd_count(d.pid), 30,
                      "fd count back to baseline")
    pu.log(f"fds after {RUNS} runs: {fds} (baseline {baseline})")
    pu.check(d.stop() == 0, "exit status")


pu.run(main)
