"""The stdio hook's lines that cannot be written (its reader went away: stderr
is a pipe with no reader) are counted as failures and said in a WARN line,
at most one per 10 s, with how many and why; the dispatcher goes on.
(Seen failing before: hook_failures_total{kind="stdio"} rose, the log said
nothing.)"""
import os
import subprocess

import proc_util as pu


class Dispatcher(pu.Proc):
    """rtmp-dispatcher whose stderr is a pipe nobody reads, closed at once."""

    def __init__(self, ctx, args):
        self.name = "dispatcher"
        self.out_path = os.path.join(ctx.tmp, "dispatcher.stdout")
        self.err_path = os.devnull
        read_end, write_end = os.pipe()
        os.close(read_end)
        self.p = subprocess.Popen([pu._bin("DISPATCHER_BIN", "rtmp-dispatcher")] + args,
                                  stdout=open(self.out_path, "wb"), stderr=write_end,
                                  stdin=subprocess.DEVNULL)
        os.close(write_end)
        self.pid = self.p.pid
        ctx.procs.append(self)


def main(ctx):
    pusher = pu.Pusher(ctx, "pusher", ["-count", "5", "-wait-peers", "1"])
    mport = pu.free_port()
    d = Dispatcher(ctx, ["-events-connect", pusher.endpoint, "-hook-stdio-format", "json",
                         "-metrics-addr", f"127.0.0.1:{mport}"])
    pusher.wait_sent()
    hit = d.wait_log(r"warn.*stdio hook: (\d+) event line\(s\) could not be written: Broken pipe", 30)
    failures = 'rtmp_dispatcher_hook_failures_total{kind="stdio"}'
    pu.wait_for(lambda: pu.metric(mport, failures) == 5, 30, f"{failures} 5")
    pu.log(f"WARN: {hit[0].group(0)}")
    pu.check(d.stop() == 0, "exit status")


pu.run(main)
