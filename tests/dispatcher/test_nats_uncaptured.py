"""An existing JetStream stream that does not capture a -hook-nats subject.

The stream (made with the subject `starts` only, as a first dispatcher with one
hook makes it) is used as it is: a second dispatcher whose hooks also publish to
`stops` gets "No responders" for those. It must say so: one ERROR naming the
stream and the subject `stops`, however many retries and events fail, one INFO
for the existing stream (not one per retry), while the captured subject's
events land. (Seen failing before: only "No responders" in each attempt, and
"publishing to the existing stream" again before every retry.)"""
import os

import nats_util as nu
import proc_util as pu

STREAM = "RTMP_PARTIAL"
COUNT = 4


def main(ctx):
    pu.check(nu.have_server(), "nats-server not installed (scripts/install-deps.sh)")
    srv = nu.Server(ctx, "nats")
    first = pu.Pusher(ctx, "pusher-1", ["-count", "1", "-wait-peers", "1",
                                        "-types", "publish_start"])
    d1 = pu.dispatcher(ctx, "dispatcher-1", [
        "-events-connect", first.endpoint, "-nats-stream", STREAM,
        "-hook-nats", f"publish_start=nats://{srv.url()}/starts"])
    first.wait_sent()
    pu.wait_for(lambda: (s := srv.stream_state(STREAM)) and s["state"]["messages"] == 1, 60,
                f"the first event in {STREAM}")
    pu.check(d1.stop() == 0, "first dispatcher exit status")

    dead = os.path.join(ctx.tmp, "dead.jsonl")
    pusher = pu.Pusher(ctx, "pusher-2", ["-count", str(COUNT), "-wait-peers", "1",
                                         "-types", "publish_start,publish_stop"])
    d2 = pu.dispatcher(ctx, "dispatcher-2", [
        "-events-connect", pusher.endpoint, "-nats-stream", STREAM, "-log-format", "text",
        "-hook-nats", f"publish_start=nats://{srv.url()}/starts",
        "-hook-nats", f"publish_stop=nats://{srv.url()}/stops",
        "-hook-timeout", "2s", "-dead-letter", dead])
    pusher.wait_sent()
    uncaptured = r"existing stream RTMP_PARTIAL .*does not capture the subject stops"
    d2.wait_log(uncaptured, 60)
    stops = COUNT // 2  # the types are cycled: start, stop, start, stop
    pu.wait_for(lambda: len(pu.dead_letters(dead)) >= stops, 60, f"{stops} dead letters")
    pu.check(d2.stop() == 0, "second dispatcher exit status")
    letters = pu.dead_letters(dead)
    pu.check(sorted(l["event_type"] for l in letters) == ["publish_stop"] * stops,
             f"dead letters: {letters}")
    errors, infos = d2.count_log(uncaptured), d2.count_log(r"publishing to the existing stream")
    pu.check(errors == 1, f"{errors} ERROR lines about the uncaptured subject, want 1")
    pu.check(infos == 1, f"{infos} INFO lines about the existing stream, want 1")
    state = srv.stream_state(STREAM)
    pu.check(state["config"]["subjects"] == ["starts"], f"the stream was changed: {state}")
    pu.log(f"{STREAM} ({state['state']['messages']} messages): one ERROR naming stops, "
           f"one INFO for the existing stream")


if __name__ == "__main__":
    pu.run(main)
