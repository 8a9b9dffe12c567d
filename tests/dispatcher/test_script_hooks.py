"""Script hooks (docs/hooks.md): the script is executed directly with argv =
[path], the dispatcher's environment (without its own RTMP_DISPATCHER_*
configuration, which may hold secrets) plus RTMP_*, the payload JSON on stdin;
a non-zero exit is an ERROR; a script that sleeps forever and spawns a child is
killed with its child at -hook-timeout 1s; one that ignores SIGTERM is
SIGKILLed after the grace; no zombie is left."""
import os
import re

import proc_util as pu


def main(ctx):
    out = ctx.tmp
    record = ctx.write_script("record.sh", f"""#!/bin/sh
cat > "{out}/stdin.$RTMP_EVENT_ID"
echo "argc=$#" > "{out}/env.$RTMP_EVENT_ID"
env | grep -E '^(RTMP_|DISPATCHER_MARKER)' | sort >> "{out}/env.$RTMP_EVENT_ID"
""")
    # A shell script, not Python: an interpreter's start-up on a loaded machine
    # under a sanitizer can outlast the 1 s -hook-timeout this test needs.
    failing = ctx.write_script("failing.sh", """#!/bin/sh
echo 'to stdout'
printf 'first words ' >&2
head -c 2000 /dev/zero | tr '\\0' x >&2
echo >&2
echo 'the reason: disk full' >&2
exit 3
""")
    forever = ctx.write_script("forever.sh", f"""#!/bin/sh
sleep 1000 &
echo $! > "{out}/child.pid"
echo $$ > "{out}/script.pid"
wait
""")
    stubborn = ctx.write_script("stubborn.sh", f"""#!/bin/sh
trap '' TERM
echo $$ > "{out}/stubborn.pid"
while true; do sleep 0.2; done
""")
    pusher = pu.Pusher(ctx, "pusher", ["-count", "5", "-wait-peers", "1", "-types",
                                       "publish_stop,publish_start,play_start,play_stop,connection_close"])
    os.environ["DISPATCHER_MARKER"] = "inherited"
    # Configuration given as environment variables (a secret among them) is not inherited.
    os.environ["RTMP_DISPATCHER_WEBHOOK_SECRET"] = "not-for-scripts"
    d = pu.dispatcher(ctx, "dispatcher", [
        "-events-connect", pusher.endpoint, "-hook-stdio-format", "json",
        "-hook-script", f"publish_stop={record}",
        "-hook-script", f"publish_start={failing}",
        "-hook-script", f"play_start={forever}",
        "-hook-script", f"play_stop={stubborn}",
        "-hook-script", "connection_close=/nonexistent/script",
        "-hook-timeout", "1s", "-log-level", "debug",
    ])
    pusher.wait_sent()

    # publish_stop: stdin is the payload, env carries the event, argv is just the path.
    d.wait_log(r"script publish_stop id=evt-pusher-1 .*ok in", 30)
    line, obj = pu.stdio_events(d)["evt-pusher-1"]
    with open(f"{out}/stdin.evt-pusher-1") as f:
        pu.check(f.read() == line, "stdin is the payload JSON")
    with open(f"{out}/env.evt-pusher-1") as f:
        env = f.read().splitlines()
    pu.log("script env: " + " ".join(env))
    for want in ["argc=0", "RTMP_EVENT_TYPE=publish_stop", "RTMP_EVENT_ID=evt-pusher-1",
                 "RTMP_SEQ=1", "RTMP_STREAM_KEY=live/test", "RTMP_CONN_ID=conn-1",
                 "RTMP_AUDIO_PACKETS=430", "RTMP_VIDEO_CODEC=H264",
                 "DISPATCHER_MARKER=inherited"]:
        pu.check(want in env, f"{want} missing from script env")
    leaked = [v for v in env if v.startswith("RTMP_DISPATCHER_")]
    pu.check(not leaked, f"the dispatcher's configuration reached the script: {leaked}")

    # publish_start: exit 3 is an ERROR with the status and the end of its
    # stderr (bounded: not its first words); its output is logged at INFO.
    hit = d.wait_log(r"error.*script publish_start id=evt-pusher-2 .*failed in \d+ms.*exit status 3"
                     r"; stderr: \.\.\.x+(\\+n)+the reason: disk full", 30)
    pu.check("first words" not in hit[0].group(0), "the ERROR line carries the whole stderr")
    pu.check(len(hit[0].group(0)) < 1000, f"ERROR line of {len(hit[0].group(0))} bytes")
    d.wait_log(r"info.*script .*failing.sh id=evt-pusher-2 stdout: to stdout", 30)

    # play_start: killed with its child at the 1s timeout.
    hit = d.wait_log(r"error.*script play_start id=evt-pusher-3 .*failed in (\d+)ms.*timed out", 30)
    took = int(hit[0].group(1))
    pu.check(1000 <= took < 4000, f"forever.sh ended after {took}ms")
    script_pid = int(open(f"{out}/script.pid").read())
    child_pid = int(open(f"{out}/child.pid").read())
    pu.wait_for(lambda: pu.gone(script_pid) and pu.gone(child_pid), 10, "script and its child gone")
    pu.log(f"forever.sh killed after {took}ms with its child")

    # play_stop: ignores SIGTERM, SIGKILLed after the 2s grace.
    hit = d.wait_log(r"error.*script play_stop id=evt-pusher-4 .*failed in (\d+)ms.*timed out.*signal", 30)
    took = int(hit[0].group(1))
    pu.check(2900 <= took < 8000, f"stubborn.sh ended after {took}ms, want timeout+grace")
    pu.check(pu.gone(int(open(f"{out}/stubborn.pid").read())), "stubborn gone")

    # connection_close: a missing script is an ERROR naming the cause.
    d.wait_log(r"error.*script connection_close .*spawn /nonexistent/script: No such file", 30)
    # ... and was named at startup, before any event.
    d.wait_log(r"warn.*-hook-script /nonexistent/script: cannot be executed now \(No such file", 5)

    zombies = [c for c in pu.proc_children(d.pid) if c[1] == "Z"]
    pu.check(not zombies, f"zombie children: {zombies}")
    pu.check(d.stop() == 0, "exit status")


pu.run(main)
