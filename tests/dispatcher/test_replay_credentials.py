"""-replay with two webhooks whose targets differ only in credentials (a
token query parameter, then URL userinfo): both redact to the same target,
and each dead letter goes back to the very hook it came from, told apart by
its target_id. A letter without target_id (an older version's) is refused
while the flags are ambiguous, rather than sent to a guess."""
import json
import os
import subprocess

import proc_util as pu

COUNT = 3


def replay(ctx, name, args):
    p = subprocess.run([pu._bin("DISPATCHER_BIN", "rtmp-dispatcher")] + args,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    out = p.stdout.decode("utf-8", "replace")
    with open(os.path.join(ctx.tmp, f"{name}.stdout"), "w") as f:
        f.write(out)
    return p.returncode, out


def run(ctx, rx, name, url_a, url_b, key):
    rx.failing = True
    dead = os.path.join(ctx.tmp, f"{name}.jsonl")
    pusher = pu.Pusher(ctx, f"pusher-{name}", ["-count", str(COUNT), "-wait-peers", "1",
                                               "-types", "publish_stop"])
    d = pu.dispatcher(ctx, f"dispatcher-{name}", [
        "-events-connect", pusher.endpoint,
        "-hook-webhook", f"publish_stop={url_a}", "-hook-webhook", f"publish_stop={url_b}",
        "-hook-timeout", "5s", "-dead-letter", dead,
    ])
    pusher.wait_sent()
    pu.wait_for(lambda: os.path.exists(dead) and
                len(open(dead).read().splitlines()) >= 2 * COUNT, 60, f"{2 * COUNT} letters")
    pu.check(d.stop() == 0, "dispatcher exit status")
    letters = [json.loads(l) for l in open(dead)]
    pu.check(len({l["target"] for l in letters}) == 1, "both hooks redact to one target")
    rx.failing = False
    before = len(rx.snapshot())
    code, out = replay(ctx, f"replay-{name}",
                       ["-replay", dead, "-hook-webhook", f"*={url_a}",
                        "-hook-webhook", f"*={url_b}"])
    pu.check(code == 0, f"{name}: replay exit {code}: {out}")
    got = {}
    for r in rx.snapshot()[before:]:
        got.setdefault(key(r), []).append(r.headers["webhook-id"])
    ids = sorted({l["event_id"] for l in letters})
    pu.log(f"{name}: replayed to " + str({k: len(v) for k, v in got.items()}))
    pu.check(sorted(got.get("A", [])) == ids, f"{name}: hook A got {sorted(got.get('A', []))}")
    pu.check(sorted(got.get("B", [])) == ids, f"{name}: hook B got {sorted(got.get('B', []))}")

    # The same letters as an older version wrote them: no telling A from B.
    old = os.path.join(ctx.tmp, f"{name}-old.jsonl")
    with open(old, "w") as f:
        for l in letters:
            l.pop("target_id", None)
            f.write(json.dumps(l) + "\n")
    before = len(rx.snapshot())
    code, out = replay(ctx, f"replay-old-{name}",
                       ["-replay", old, "-hook-webhook", f"*={url_a}",
                        "-hook-webhook", f"*={url_b}", "-dead-letter", old + ".failed"])
    pu.check(code == 1, f"{name}: ambiguous replay exit {code}")
    pu.check(out.count("differ only in credentials") == 2 * COUNT, f"{name}: refusals: {out}")
    pu.check(len(rx.snapshot()) == before, f"{name}: an ambiguous letter was sent")


def main(ctx):
    rx = pu.Receiver(lambda req, n: (400, 0) if rx.failing else (200, 0))
    ctx.cleanups.append(rx.close)
    run(ctx, rx, "token", f"{rx.url}/x?token=AAA", f"{rx.url}/x?token=BBB",
        lambda r: r.path.rsplit("=", 1)[1][0])
    auth = {"Basic dXNlckE6": "A", "Basic dXNlckI6": "B"}  # userA: / userB:
    run(ctx, rx, "userinfo", f"http://userA@127.0.0.1:{rx.port}/x",
        f"http://userB@127.0.0.1:{rx.port}/x",
        lambda r: auth.get(r.headers.get("Authorization", ""), "?"))


if __name__ == "__main__":
    pu.run(main)
