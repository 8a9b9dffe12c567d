#!/usr/bin/env python3
"""Startup configuration of both programs, as a new user meets it.

- -version prints "<program> <version>" and exits 0; -help lists it.
- An unknown event name in -hook-* is one line naming the valid ones, exit 2.
- -log-level warning is taken as warn.
- rtmp-dispatcher with no hook is a startup error: one line, exit 2 (also when
  the hook's variable name has a typo, which is WARNed by name).
- Unknown RTMP_INGEST_* / RTMP_DISPATCHER_* variables are a WARN naming them.
- Auth never fails open: -auth-token or -auth-file under another -auth-mode,
  or flags of two modes without -auth-mode, are one line, exit 2. An empty
  -webhook-secret key is one line, exit 2. So is a -node-id that is not 1-64
  of [A-Za-z0-9._-] beginning with a letter or digit (flag or variable), and an
  -events-connect list holding something that is not an endpoint.
- A bind failure (RTMP port, -metrics-addr or -srt-listen in use, a -metrics-addr that is
  not this host's) is one line in the same words from both programs, exit 2,
  with no library source location.
- -events-bind with a host name binds its IPv4 address (ZeroMQ takes only
  addresses and interface names); one that does not resolve is one line, exit 2,
  as are a port over 65535, the same endpoint twice and inproc://.
- A -hook-script that is a directory is WARNed at startup like a missing one.
- -srt-* flags without -srt-listen, and -api-* flags without -api-addr, are
  one line naming them, exit 2 (flag or variable). rtmp-ingest's hook options
  without any -hook-* are a WARN naming them.
- A zero -handshake-timeout, -idle-timeout or -write-timeout (which closed every
  connection at once), or an -api-sse-keepalive / -stats-interval under 100ms,
  is one line, exit 2.
"""

import os
import re
import socket
import subprocess

import ops_util as u
from ops_util import h

STARTUP = 30  # s; generous for a loaded machine under sanitizers


def run(ctx, argv, env=None, timeout=STARTUP):
    """Runs a program that must exit on its own; (status, stdout, stderr)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    r = subprocess.run([str(a) for a in argv], capture_output=True, text=True, env=full_env,
                       timeout=timeout, cwd=ctx.dir)
    h.log(f"{os.path.basename(argv[0])} {' '.join(map(str, argv[1:]))} -> {r.returncode}: "
          f"{r.stderr.strip()!r}")
    return r.returncode, r.stdout, r.stderr


def one_line_exit_2(ctx, argv, want, env=None):
    """Exit 2 with exactly one stderr line matching `want`; returns that line."""
    code, out, err = run(ctx, argv, env)
    h.check(code == 2, f"{argv}: exit status {code}, want 2; stderr {err!r}")
    lines = err.splitlines()
    h.check(len(lines) == 1, f"{argv}: {len(lines)} stderr lines, want 1: {err!r}")
    h.check(re.search(want, lines[0]), f"{argv}: stderr {lines[0]!r} does not match /{want}/")
    for text in (out, err):
        h.check(not re.search(r"\.(hpp|ipp|cpp):\d+|\[system:\d+", text),
                f"{argv}: a library source location in {text!r}")
    return lines[0]


def version_and_help(ctx, ingest, disp):
    for binary, name in ((ingest, "rtmp-ingest"), (disp, "rtmp-dispatcher")):
        code, out, _ = run(ctx, [binary, "-version"])
        h.check(code == 0 and re.fullmatch(rf"{name} \d+\.\d+\.\d+\S*\n", out),
                f"{name} -version: exit {code}, {out!r}")
        code, out, _ = run(ctx, [binary, "-help"])
        h.check(code == 0 and "-version" in out, f"{name} -help does not list -version")
    _, out, _ = run(ctx, [ingest, "-help"])
    h.check("-auth-actions" in out, "rtmp-ingest -help does not list -auth-actions")


def event_names(ctx, ingest, disp):
    valid = r"connection_accept, handshake_complete, .*publish_stop.*connection_close"
    one_line_exit_2(ctx, [disp, "-hook-webhook", "publish_strat=http://127.0.0.1:9/"],
                    rf"unknown event type \"publish_strat\".*{valid}")
    one_line_exit_2(ctx, [ingest, "-hook-script", "on_publish=/bin/true"],
                    rf"unknown event type \"on_publish\".*{valid}")


def log_level_warning(ctx, disp):
    mport = h.free_port()
    p = ctx.proc("warning", [disp, "-log-level", "warning", "-hook-stdio-format", "json",
                             "-events-connect", f"tcp://127.0.0.1:{h.free_port()}",
                             "-metrics-addr", f"127.0.0.1:{mport}"])
    h.wait_for(lambda: h.port_open(mport) or not p.running(), STARTUP, "the dispatcher's /healthz")
    h.check(p.running(), f"-log-level warning refused: {p.stderr()!r}")
    h.check(p.stop() == 0, "dispatcher exit status")
    h.check("info" not in p.stdout(), f"INFO lines at -log-level warning: {p.stdout()[:300]!r}")


def no_hooks_and_unknown_env(ctx, ingest, disp):
    line = one_line_exit_2(ctx, [disp, "-events-connect", "tcp://127.0.0.1:9"],
                           r"^rtmp-dispatcher: no hook configured")
    h.log(f"no hooks: {line}")
    typo = {"RTMP_DISPATCHER_HOOK_WEBHOK": "*=http://127.0.0.1:9/"}
    code, out, err = run(ctx, [disp], env=typo)
    h.check(code == 2 and "no hook configured" in err, f"typo'd hook variable: exit {code}")
    h.check(re.search(r"warn.*RTMP_DISPATCHER_HOOK_WEBHOK", out),
            f"no WARN naming RTMP_DISPATCHER_HOOK_WEBHOK: {out!r}")
    p = ctx.proc("ingest-env", [ingest, "-listen", "127.0.0.1:0"],
                 env={"RTMP_INGEST_LISTEN_ADDR": ":1935", "RTMP_INGEST_AUTH_MODES": "token"})
    p.wait_line(r"warn.*RTMP_INGEST_AUTH_MODES.*RTMP_INGEST_LISTEN_ADDR", STARTUP, "stdout")
    # The warning comes while flags are read, before the server handles
    # SIGTERM; stopping it then would test the signal's default action.
    p.wait_line(r"rtmp-ingest listening on", STARTUP, "stdout")
    h.check(p.stop() == 0, "rtmp-ingest exit status")


def auth_fails_closed(ctx, ingest, disp):
    auth_file = os.path.join(ctx.dir, "auth.json")
    with open(auth_file, "w") as f:
        f.write('{"live/test": "secret"}')
    listen = ["-listen", "127.0.0.1:0"]
    one_line_exit_2(ctx, [ingest, *listen, "-auth-mode", "none", "-auth-token", "live/test=x"],
                    r"-auth-token needs -auth-mode token")
    one_line_exit_2(ctx, [ingest, *listen, "-auth-mode", "token", "-auth-token", "live/test=x",
                          "-auth-file", auth_file], r"-auth-file needs -auth-mode file")
    one_line_exit_2(ctx, [ingest, *listen, "-auth-token", "live/test=x", "-auth-file", auth_file],
                    r"-auth-token and -auth-file belong to different auth modes")
    one_line_exit_2(ctx, [ingest, *listen, "-auth-actions", "publish,record"],
                    r"unknown action \"record\"")
    # -node-id goes into event ids, metrics labels and subjects unquoted.
    for bad in ("edge 1", "-edge", "a/b", "x" * 65):
        one_line_exit_2(ctx, [ingest, *listen, "-node-id", bad], r"-node-id")
    one_line_exit_2(ctx, [ingest, *listen], r"-node-id", env={"RTMP_INGEST_NODE_ID": "edge 1"})
    one_line_exit_2(ctx, [disp, "-hook-stdio-format", "json", "-events-connect",
                          "tcp://127.0.0.1:9,127.0.0.1:10"], r"-events-connect")
    for secret in ("", "whsec_"):
        one_line_exit_2(ctx, [disp, "-hook-stdio-format", "json", "-webhook-secret", secret],
                        r"-webhook-secret.*empty key")
        one_line_exit_2(ctx, [ingest, *listen, "-hook-stdio-format", "json", "-webhook-secret",
                              secret], r"-webhook-secret.*empty key")


def bind_failures(ctx, ingest, disp):
    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        addr = f"127.0.0.1:{port}"
        rtmp = one_line_exit_2(ctx, [ingest, "-listen", addr],
                               rf"^rtmp-ingest: cannot listen on -listen {addr}: "
                               r"Address already in use$")
        words = []
        for binary, name, extra in ((ingest, "rtmp-ingest", ["-listen", "127.0.0.1:0"]),
                                    (disp, "rtmp-dispatcher", ["-hook-stdio-format", "json"])):
            line = one_line_exit_2(ctx, [binary, *extra, "-metrics-addr", addr],
                                   rf"^{name}: cannot listen on -metrics-addr {addr}: "
                                   r"Address already in use$")
            words.append(line.split(": ", 1)[1])
        h.check(words[0] == words[1], f"different words: {words}")
        h.check(rtmp.split(": ", 1)[1].replace("-listen", "-metrics-addr") == words[0],
                f"the RTMP port and -metrics-addr failures differ: {rtmp!r} / {words[0]!r}")
    # An SRT port in use names the cause too, not only libsrt's "unable to
    # create/configure SRT socket".
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        addr = f"127.0.0.1:{taken.getsockname()[1]}"
        one_line_exit_2(ctx, [ingest, "-listen", "127.0.0.1:0", "-srt-listen", addr],
                        rf"^rtmp-ingest: cannot listen on -srt-listen {addr}: .*"
                        r"\(Address already in use\)$")
    # An address that is not this host's (TEST-NET-1): no DNS involved.
    for binary, name, extra in ((ingest, "rtmp-ingest", ["-listen", "127.0.0.1:0"]),
                                (disp, "rtmp-dispatcher", ["-hook-stdio-format", "json"])):
        one_line_exit_2(ctx, [binary, *extra, "-metrics-addr", "192.0.2.1:9100"],
                        rf"^{name}: cannot listen on -metrics-addr 192\.0\.2\.1:9100: "
                        r"Cannot assign requested address$")


def events_bind_host_name(ctx, ingest):
    port = h.free_port()
    p = ctx.proc("ingest-bind-name", [ingest, "-listen", "127.0.0.1:0",
                                      "-events-bind", f"tcp://localhost:{port}"])
    p.wait_line(rf"listening on .*events to tcp://127\.0\.0\.1:{port}", STARTUP, "stdout")
    p.stop()
    one_line_exit_2(ctx, [ingest, "-events-bind", f"tcp://nosuch.invalid:{port}"],
                    r"cannot bind tcp://nosuch\.invalid:\d+: .*host name that resolves")
    # A port over 65535 was bound cut to 16 bits; the same endpoint twice was
    # "Address already in use"; inproc:// reaches no dispatcher process.
    one_line_exit_2(ctx, [ingest, "-events-bind", f"tcp://127.0.0.1:{port + 65536}"],
                    r"-events-bind.*bad port")
    one_line_exit_2(ctx, [ingest, "-listen", "127.0.0.1:0", "-events-bind",
                          f"tcp://127.0.0.1:{port}", "-events-bind", f"tcp://127.0.0.1:{port}"],
                    rf"tcp://127\.0\.0\.1:{port} is given twice in -events-bind")
    one_line_exit_2(ctx, [ingest, "-events-bind", "inproc://rtmp-events"],
                    r"-events-bind.*inproc:// reaches only this process")


def directory_script(ctx, disp):
    d = ctx.proc("dispatcher-dir-script", [disp, "-hook-script", f"*={ctx.dir}",
                                           "-events-connect", f"tcp://127.0.0.1:{h.free_port()}",
                                           "-log-format", "json"])
    d.wait_line(r"-hook-script \S+: cannot be executed now \(a directory\)", STARTUP, "stdout")
    d.stop()


def zero_timeouts(ctx, ingest):
    for flag in ("-handshake-timeout", "-idle-timeout", "-write-timeout"):
        one_line_exit_2(ctx, [ingest, flag, "0"], rf"{flag}: must be above 0")
    for flag in ("-api-sse-keepalive", "-stats-interval"):
        one_line_exit_2(ctx, [ingest, flag, "50ms"], rf"{flag}: below 100ms")


def orphan_flags(ctx, ingest):
    """SRT and API flags without their listener did nothing, silently (a
    passphrase file was not even read)."""
    missing = os.path.join(ctx.dir, "no-such-passphrases.json")
    cases = (
        (["-srt-passphrase", "a long secret"], {}, r"-srt-passphrase set without -srt-listen"),
        ([], {"RTMP_INGEST_SRT_PASSPHRASE_FILE": missing, "RTMP_INGEST_SRT_LATENCY": "500"},
         r"-srt-passphrase-file, -srt-latency set without -srt-listen \(SRT is off\)"),
        (["-srt-pbkeylen", "32"], {}, r"-srt-pbkeylen set without -srt-listen"),
        (["-api-token", "t"], {}, r"-api-token set without -api-addr \(the API is off\)"),
        ([], {"RTMP_INGEST_API_SSE_BUFFER": "8192", "RTMP_INGEST_API_EVENTS_RING": "5"},
         r"-api-events-ring, -api-sse-buffer set without -api-addr"),
        (["-api-sse-keepalive", "1s"], {}, r"-api-sse-keepalive set without -api-addr"),
    )
    for extra, env, want in cases:
        one_line_exit_2(ctx, [ingest, "-listen", "127.0.0.1:0", *extra],
                        r"^rtmp-ingest: " + want, env=env)
    # Their defaults given explicitly are no mistake, nor is running without
    # hook options.
    p = ctx.proc("ingest-defaults", [ingest, "-listen", "127.0.0.1:0", "-srt-latency", "120",
                                     "-api-sse-buffer", "1048576"])
    p.wait_line(r"listening on", STARTUP, "stdout")
    p.stop()
    h.check("without any -hook-*" not in p.output(), f"a WARN without hook options: {p.output()}")
    # Hook options without a hook: the ingest runs no hooks, so they do
    # nothing (a -dead-letter file that never appears). A WARN names them.
    p = ctx.proc("ingest-idle-hook-options", [ingest, "-listen", "127.0.0.1:0",
                                              "-dead-letter", os.path.join(ctx.dir, "dl.jsonl")],
                 env={"RTMP_INGEST_WEBHOOK_SECRET": "k"})
    p.wait_line(r"-webhook-secret, -dead-letter given without any -hook-\*", STARTUP, "stdout")
    p.stop()


def main(ctx):
    ingest, disp = h.ingest_binary(), u.dispatcher_binary()
    orphan_flags(ctx, ingest)
    zero_timeouts(ctx, ingest)
    events_bind_host_name(ctx, ingest)
    directory_script(ctx, disp)
    version_and_help(ctx, ingest, disp)
    event_names(ctx, ingest, disp)
    log_level_warning(ctx, disp)
    no_hooks_and_unknown_env(ctx, ingest, disp)
    auth_fails_closed(ctx, ingest, disp)
    bind_failures(ctx, ingest, disp)


if __name__ == "__main__":
    h.run(main)
