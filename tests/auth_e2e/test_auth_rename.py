#!/usr/bin/env python3
"""Auth callbacks that rename, with a real HTTP callback receiver and real ffmpeg.

The receiver answers 200 {"stream_key":"live/show"} for live/secret123 (publish and
play), 200 {"stream_key":"live/../x"} for live/badrename, 200 "ok" for the rest.

- first, a publish the callback renames to live/../x is refused: ffmpeg fails, one
  auth_failed whose error names the bad stream_key, one WARN log line
  "publish refused: callback stream_key is invalid: ...", no publish_start.
- ffmpeg publishes live/secret123?token=tok9876: publish_start, stream_create and the
  recording (-record live/*) are live/show; an ffmpeg player of live/show records
  frames; a second player asking for live/secret123 is renamed too and plays
  live/show; both play_start events carry live/show.
- neither "secret123" nor the token appears in any event (stdio hook JSON), any
  log line (debug level), the recording's file names or, when the ingest has an
  HTTP API (-api-addr), its /api/v1/streams answers and its event stream
  (/api/v1/events, read from before the first publish until the server stops).
"""

import json
import os
import threading
import urllib.request

import auth_common as a
from auth_common import h

SECRET = "secret123"
TOKEN = "tok9876"
PUBLIC = "live/show"


def decide(body):
    if body.get("stream_name") == SECRET:
        return 200, 0, json.dumps({"allow": True, "stream_key": PUBLIC})
    if body.get("stream_name") == "badrename":
        return 200, 0, json.dumps({"stream_key": "live/../x"})
    return 200, 0


def ingest_has_api(ingest_bin):
    _, out, err = h._run([ingest_bin, "-help"], timeout=30)
    return "-api-addr" in out + err


def api_get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return r.read().decode()


class SseReader:
    """Reads GET /api/v1/events to its end on a thread, keeping every line."""

    def __init__(self, port):
        self.lines = []
        self.resp = urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/events", timeout=120)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        try:
            for raw in self.resp:
                self.lines.append(raw.decode(errors="replace"))
        except OSError:
            pass

    def text(self, timeout=20):
        self.thread.join(timeout)
        return "".join(self.lines)


def main(ctx):
    a.require_ingest()
    receiver = a.CallbackReceiver(decide)
    record_dir = ctx.path("recordings")
    os.makedirs(record_dir, exist_ok=True)
    args = ["-auth-callback", receiver.url, "-record", "live/*", "-record-dir", record_dir]
    api_port = None
    if ingest_has_api(h.ingest_binary()):
        api_port = h.free_port()
        args += ["-api-addr", f"127.0.0.1:{api_port}"]
    server = h.Ingest(ctx, args=args)
    api_answers = []
    sse = None
    if api_port:
        h.wait_port(api_port, 20)
        sse = SseReader(api_port)
    try:
        base = f"rtmp://127.0.0.1:{server.port}/live"
        # A rename to a bad key refuses.
        before = len(a.settle_connections(server))
        a.refused_publish(ctx, f"{base}/badrename?token={TOKEN}", "pub_bad")
        fail = a.check_refusal(server, before, "publish", "live/badrename", "bad rename")
        h.check("stream_key is invalid" in fail["data"]["error"],
                f"bad rename: auth_failed error {fail['data']['error']!r}")
        h.wait_for(lambda: "publish refused: callback stream_key is invalid: more than one '/'"
                   in server.log_text(), 30, "the bad rename's log line")

        pub = a.publisher(ctx, f"{base}/{SECRET}?token={TOKEN}", "pub_secret")
        a.wait_event(server, "publish_start", PUBLIC, timeout=60)
        pub.wait_frames(15, 60)
        if api_port:
            h.wait_port(api_port, 20)
            streams = api_get(api_port, "/api/v1/streams")
            api_answers.append(streams)
            h.check(PUBLIC in streams, f"/api/v1/streams does not list {PUBLIC}: {streams}")
            api_answers.append(api_get(api_port, f"/api/v1/streams/{PUBLIC}"))
            h.log(f"API lists {PUBLIC}: {streams[:200]}")

        # A player of the public key, and one asking for the private key (renamed too).
        for name, key in (("play_public", "show"), ("play_private", f"{SECRET}?token={TOKEN}")):
            play = a.player(ctx, f"{base}/{key}", name, duration=1.5)
            code = play.wait_exit(60)
            h.check(code == 0, f"{name}: ffmpeg player exited {code}; see {play.stderr_path}")
            frames = h.packet_counts(play.flv_path).get("video", 0)
            h.check(frames >= 10, f"{name}: recorded {frames} video frames, want >= 10")
            h.log(f"{name}: player of live/{key.split('?')[0]} recorded {frames} video frames")
        a.wait_event(server, "play_stop", PUBLIC, timeout=30, count=2)

        code = pub.quit()
        h.check(code == 0, f"publisher exit status {code} after 'q'")
        a.wait_event(server, "publish_stop", PUBLIC, timeout=30)
        a.wait_event(server, "recording_stop", PUBLIC, timeout=30)
        server.stop()
        if sse:
            # The event stream ends with the server; what it carried is one more answer.
            streamed = sse.text()
            h.check(f'"stream_key":"{PUBLIC}"' in streamed,
                    f"the API's event stream never carried {PUBLIC}: {streamed[:300]!r}")
            api_answers.append(streamed)
            h.log(f"API event stream: {streamed.count('data: ')} events")

        evs = server.events()
        for kind in ("stream_create", "publish_start", "publish_stop", "stream_delete",
                     "recording_start"):
            h.check(len(a.of_type(evs, kind, PUBLIC)) == 1,
                    f"{len(a.of_type(evs, kind, PUBLIC))} {kind} for {PUBLIC}, want 1")
        h.check(len(a.of_type(evs, "play_start", PUBLIC)) == 2,
                f"{len(a.of_type(evs, 'play_start', PUBLIC))} play_start for {PUBLIC}, want 2")
        files = os.listdir(record_dir)
        h.check(files and all("show" in f for f in files), f"recordings: {files}")
        h.log(f"recording files: {files}")

        # The private key and its token appear nowhere.
        a.check_secrets_absent(server, [SECRET, TOKEN])
        for f in files:
            h.check(SECRET not in f, f"recording file name {f} holds {SECRET}")
        for answer in api_answers:
            h.check(SECRET not in answer and TOKEN not in answer, f"API answer leaks: {answer}")
        bodies = [r["body"] for r in receiver.snapshot()]
        h.check(sum(1 for b in bodies if b.get("stream_name") == SECRET) == 2,
                f"callback bodies: {bodies}")
        h.log(f"{len(evs)} events, the log and {len(api_answers)} API answers hold neither "
              f"{SECRET!r} nor the token" + ("" if api_port else " (no -api-addr in this build)"))
    finally:
        receiver.close()


if __name__ == "__main__":
    h.run(main)
