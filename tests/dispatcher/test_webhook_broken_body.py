"""A status line that arrived decides, even when the body after it breaks
(Content-Length 100, 10 bytes, then a connection reset): a 404 fails at once,
not retried, its error naming both the status and the transport error; a 503
is retried as a 503."""
import json
import os

import proc_util as pu


def main(ctx):
    def behave(req, n):
        return (404 if req.path.startswith("/gone") else 503, 0, {"break_body": True})

    rx = pu.Receiver(behave)
    ctx.cleanups.append(rx.close)
    dead = os.path.join(ctx.tmp, "dead.jsonl")
    pusher = pu.Pusher(ctx, "pusher", ["-count", "1", "-wait-peers", "1",
                                       "-types", "publish_stop"])
    d = pu.dispatcher(ctx, "dispatcher", [
        "-events-connect", pusher.endpoint,
        "-hook-webhook", f"*={rx.url}/gone",
        "-hook-webhook", f"*={rx.url}/busy",
        "-hook-timeout", "20s", "-webhook-retries", "2", "-dead-letter", dead,
    ])
    pusher.wait_sent()
    pu.wait_for(lambda: os.path.exists(dead) and len(open(dead).read().splitlines()) >= 2, 60,
                "2 dead letters")
    pu.check(d.stop() == 0, "dispatcher exit status")
    letters = {l["target"].rsplit("/", 1)[1]: l for l in map(json.loads, open(dead))}
    gone, busy = letters["gone"], letters["busy"]
    pu.log(f"gone: {gone['attempts']} attempt(s), {gone['error']}")
    pu.log(f"busy: {busy['attempts']} attempt(s), {busy['error']}")
    pu.check(len(rx.snapshot("/gone")) == 1, f"404: {len(rx.snapshot('/gone'))} requests, want 1")
    pu.check(gone["attempts"] == 1, f"404 attempts {gone['attempts']}")
    pu.check(gone["error"].startswith("HTTP 404 (then: "), f"404 error {gone['error']}")
    pu.check(len(rx.snapshot("/busy")) == 3, f"503: {len(rx.snapshot('/busy'))} requests, want 3")
    pu.check(busy["attempts"] == 3, f"503 attempts {busy['attempts']}")
    pu.check(busy["error"].startswith("HTTP 503 (then: "), f"503 error {busy['error']}")


if __name__ == "__main__":
    pu.run(main)
