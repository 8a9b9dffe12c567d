"""What a script hook leaves behind, as it would from a shell:

- A script that starts a background process writing to its inherited stdout
  and stderr and exits 0 at once: the hook is done, and the background
  process goes on writing until its own end (its pipes stay drained).
  (Seen failing before: the pipes closed when the script exited, and the
  process died of SIGPIPE at its first write.)
- A script killed at -hook-timeout whose background process traps SIGTERM to
  clean up: the process gets the whole grace before SIGKILL, though the script
  itself died at the SIGTERM; a process of the group that ignores SIGTERM is
  still SIGKILLed after the grace.
  (Seen failing before: the group got SIGKILL the moment the script died, and
  the cleanup never ran.)
"""
import os

import proc_util as pu


def main(ctx):
    out = ctx.tmp
    talker = ctx.write_script("talker.sh", f"""#!/bin/sh
(
  for i in 1 2 3 4 5 6; do
    echo "out $i"; echo "err $i" >&2; echo "$i" >> "{out}/ticks"; sleep 0.2
  done
  echo done >> "{out}/ticks"
) &
exit 0
""")
    graceful = ctx.write_script("graceful.sh", f"""#!/bin/sh
sh -c 'trap "sleep 0.5; echo cleaned > {out}/cleaned; exit 0" TERM
       echo $$ > {out}/graceful.pid; while :; do sleep 0.1; done' &
sh -c 'trap "" TERM; echo $$ > {out}/stubborn.pid; while :; do sleep 0.1; done' &
wait
""")
    pusher = pu.Pusher(ctx, "pusher", ["-count", "2", "-wait-peers", "1", "-types",
                                       "connection_accept,connection_close"])
    d = pu.dispatcher(ctx, "dispatcher", [
        "-events-connect", pusher.endpoint,
        "-hook-script", f"connection_accept={talker}",
        "-hook-script", f"connection_close={graceful}",
        "-hook-timeout", "1s", "-log-level", "debug",
    ])
    pusher.wait_sent()

    d.wait_log(r"script connection_accept id=evt-pusher-1 .*ok in", 30)

    def ticks():
        try:
            return open(f"{out}/ticks").read().split()
        except FileNotFoundError:
            return []
    pu.wait_for(lambda: "done" in ticks(), 30, "the background process's six writes")
    pu.check(ticks() == ["1", "2", "3", "4", "5", "6", "done"], f"ticks: {ticks()}")

    d.wait_log(r"error.*script connection_close id=evt-pusher-2 .*timed out", 30)
    pu.wait_for(lambda: os.path.exists(f"{out}/cleaned"), 30,
                "the SIGTERM cleanup of the script's background process")
    stubborn = int(open(f"{out}/stubborn.pid").read())
    pu.wait_for(lambda: pu.gone(stubborn), 30, "the TERM-ignoring process SIGKILLed after the grace")

    zombies = [c for c in pu.proc_children(d.pid) if c[1] == "Z"]
    pu.check(not zombies, f"zombie children: {zombies}")
    pu.check(d.stop() == 0, "exit status")


pu.run(main)
