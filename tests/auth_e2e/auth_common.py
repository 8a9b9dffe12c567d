"""Shared pieces of the auth end-to-end tests: the integration harness,
a real HTTP callback receiver (ThreadingHTTPServer), quick 320x240 publishers and
players, and event queries on the ingest's stdio JSON event stream."""

import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

import harness as h  # noqa: E402

REMOTE_ADDR = re.compile(r"^127\.0\.0\.1:\d+$")
CALLBACK_FIELDS = {"action", "app", "stream_name", "stream_key", "token", "remote_addr"}


def require_ingest():
    if h.server_kind() != "ingest":
        h.skip(f"auth is rtmp-ingest's own; nothing to check on RTMP_TEST_SERVER={h.server_kind()}")


# --------------------------------------------------------------------------- callback receiver

class CallbackReceiver:
    """POST receiver on 127.0.0.1: records (arrival time, answer time, body) per request.

    decide(body) -> (status, delay_secs) or (status, delay_secs, reply_body) chooses the
    answer; without reply_body a 2xx says "ok" and any other status "denied".
    """

    def __init__(self, decide):
        self.requests = []  # dicts: body, t_in, t_out, status
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                t_in = time.monotonic()
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {"_unparsable": raw.decode(errors="replace")}
                rec = {"body": body, "t_in": t_in, "t_out": None, "status": None,
                       "content_type": self.headers.get("Content-Type", "")}
                with receiver.lock:
                    receiver.requests.append(rec)
                answer = decide(body)
                status, delay = answer[0], answer[1]
                reply = answer[2] if len(answer) > 2 else None
                if delay:
                    time.sleep(delay)
                # 204/304 carry no body (one would corrupt the next reply on a
                # kept-alive connection).
                payload = b"" if status in (204, 304) else (
                    reply.encode() if reply is not None else
                    b"ok" if 200 <= status < 300 else b"denied")
                # Recorded before the answer goes: the server may act on it
                # (and the test see that) before this thread runs again.
                rec["status"] = status
                rec["t_out"] = time.monotonic()
                self.send_response(status)
                self.send_header("Content-Type",
                                 "application/json" if reply is not None else "text/plain")
                if status not in (204, 304):
                    self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/auth"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def snapshot(self):
        with self.lock:
            return list(self.requests)

    def for_key(self, key, action=None):
        return [r for r in self.snapshot() if r["body"].get("stream_key") == key and
                (action is None or r["body"].get("action") == action)]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# --------------------------------------------------------------------------- clients

def publisher(ctx, url, name, duration=None, fps=30):
    """Small, cheap ffmpeg publisher (320x240, 1 s GOP)."""
    return h.Publisher(ctx, url, name=name, duration=duration, gop=fps, size="320x240",
                       fps=fps, vbitrate="300k")


def player(ctx, url, name, duration=None):
    """ffmpeg recording a stream (-c copy) with a -progress file counting video frames."""
    progress = ctx.path(f"{name}.progress")
    argv = ["ffmpeg", "-hide_banner", "-nostdin", "-v", "verbose", "-y",
            "-rw_timeout", "30000000", "-i", url, "-c", "copy", "-map", "0",
            "-stats_period", "0.1", "-progress", progress]
    if duration:
        argv += ["-t", str(duration)]
    argv += ["-f", "flv", ctx.path(f"{name}.flv")]
    proc = ctx.proc(name, argv)
    proc.progress_path = progress
    proc.flv_path = ctx.path(f"{name}.flv")
    return proc


def player_frames(proc):
    vals = re.findall(r"^frame=\s*(\d+)", h.read_text(proc.progress_path), re.M)
    return int(vals[-1]) if vals else 0


def refused_publish(ctx, url, name, timeout=60):
    """An ffmpeg publish that must fail: returns its exit status (asserted non-zero)."""
    pub = publisher(ctx, url, name, duration=3)
    code = pub.wait(timeout)
    h.check(code != 0, f"{name}: ffmpeg publish to {url.split('?')[0]} exited 0, "
                       f"want a failure (auth refused); see {pub.proc.stderr_path}")
    return code


def refused_play(ctx, url, name, timeout=60):
    proc = player(ctx, url, name, duration=2)
    code = proc.wait_exit(timeout)
    h.check(code != 0, f"{name}: ffmpeg play of {url.split('?')[0]} exited 0, want a failure; "
                       f"see {proc.stderr_path}")
    return code


# --------------------------------------------------------------------------- events

def of_type(events, kind, key=None):
    return [e for e in events if e["type"] == kind and (key is None or e["stream_key"] == key)]


def wait_event(server, kind, key, timeout=30, count=1):
    """Wait until at least count events of kind for key arrived; return them."""
    return h.wait_for(lambda: (lambda l: l if len(l) >= count else None)(
        of_type(server.events(), kind, key)), timeout, f"{count} {kind} event(s) for {key}")


def settle_connections(server, timeout=30):
    """Wait until every accepted connection so far has its connection_close."""
    def closed():
        evs = server.events()
        opened = {e["conn_id"] for e in of_type(evs, "connection_accept")}
        done = {e["conn_id"] for e in of_type(evs, "connection_close")}
        return [evs] if opened <= done else None
    return h.wait_for(closed, timeout, "every connection's connection_close")[0]


def check_refusal(server, before, action, key, what):
    """After one refused attempt ended: its connection(s) since index `before` hold exactly
    one auth_failed with the right fields and no stream_create/publish_start/play_start."""
    evs = settle_connections(server)[before:]
    conns = {e["conn_id"] for e in of_type(evs, "connection_accept")}
    h.check(conns, f"{what}: no connection reached the ingest")
    fails = [e for e in of_type(evs, "auth_failed") if e["conn_id"] in conns]
    h.check(len(fails) == 1, f"{what}: {len(fails)} auth_failed events, want exactly 1: {fails}")
    ev = fails[0]
    d = ev["data"]
    h.check(ev["stream_key"] == key, f"{what}: auth_failed stream_key {ev['stream_key']!r}, want {key!r}")
    h.check(d.get("action") == action, f"{what}: auth_failed action {d.get('action')!r}, want {action!r}")
    h.check(isinstance(d.get("error"), str) and d["error"], f"{what}: auth_failed without an error: {ev}")
    h.check(REMOTE_ADDR.match(str(d.get("remote_addr", ""))),
            f"{what}: auth_failed remote_addr {d.get('remote_addr')!r}, want 127.0.0.1:<port>")
    accept = [e for e in of_type(evs, "connection_accept") if e["conn_id"] == ev["conn_id"]]
    h.check(accept and accept[0]["data"].get("remote_addr") == d.get("remote_addr"),
            f"{what}: auth_failed remote_addr {d.get('remote_addr')} is not the connection's "
            f"({accept[0]['data'] if accept else 'no connection_accept'})")
    for kind in ("stream_create", "publish_start", "play_start", "publish_stop", "play_stop"):
        bad = [e for e in of_type(evs, kind) if e["conn_id"] in conns]
        h.check(not bad, f"{what}: refused attempt got {kind}: {bad}")
    if action == "publish":
        created = of_type(evs, "stream_create", key)
        h.check(not created, f"{what}: stream_create for the refused {key}: {created}")
    closes = [e for e in of_type(evs, "connection_close") if e["conn_id"] == ev["conn_id"]]
    h.check(len(closes) == 1 and closes[0]["data"].get("role") == "none",
            f"{what}: refused connection closed as {closes}, want one connection_close role none")
    h.log(f"{what}: auth_failed {action} {key} error={d['error']!r} remote_addr={d['remote_addr']}")
    return ev


def check_secrets_absent(server, secrets):
    """No token in the ingest's log (stdout) or in any event line (stderr)."""
    for path in (server.proc.stdout_path, server.proc.stderr_path):
        text = h.read_text(path)
        h.check(text, f"{path} is empty: nothing to check the tokens against")
        for s in secrets:
            for n, line in enumerate(text.splitlines(), 1):
                h.check(s not in line, f"token {s!r} leaked in {path}:{n}: {line[:300]}")
