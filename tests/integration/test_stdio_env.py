#!/usr/bin/env python3
"""-hook-stdio-format env: one line per event holding exactly the variables the
script hook gets for that event, quoted so that `eval "$line"` in bash and dash
sets them byte for byte.

The real rtmp-ingest runs the env stdio hook and a script hook for every event.
A raw RTMP client connects to an app whose name holds a newline, a single and a
double quote, and publishes a stream name with spaces, quotes, `$`, a backslash
and UTF-8, so stream_key carries all of them. Each stderr line is then
evaluated in bash and in dash (with `set -a`, in an empty environment) and the
RTMP_* variables it sets are compared, name for name and byte for byte, with
the environment the script hook really got for the same event, and with that
event's JSON payload (the script's stdin); the names come in the fixed order.
"""

import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hostile"))
import harness as h  # noqa: E402
import rtmp_raw as r  # noqa: E402

APP = "live\nit's \"here\""
NAME = "my stream 'one' \"two\" $HOME \\n caf\u00e9 %s"
HEADER = ["RTMP_EVENT_TYPE", "RTMP_TIMESTAMP", "RTMP_CONN_ID", "RTMP_STREAM_KEY",
          "RTMP_EVENT_ID", "RTMP_SEQ", "RTMP_NODE"]
JSON_KEY = {"RTMP_EVENT_TYPE": "type", "RTMP_TIMESTAMP": "timestamp", "RTMP_CONN_ID": "conn_id",
            "RTMP_STREAM_KEY": "stream_key", "RTMP_EVENT_ID": "id", "RTMP_SEQ": "seq",
            "RTMP_NODE": "node"}
RECORD = """#!/usr/bin/env python3
import json, os, sys
payload = sys.stdin.buffer.read().decode()
env = {k: v for k, v in os.environ.items() if k.startswith("RTMP_") and k not in %r}
with open(os.path.join(%r, "hook." + os.environ["RTMP_SEQ"]), "w") as f:
    json.dump({"env": env, "payload": payload}, f)
"""


def eval_line(shell, line):
    """The RTMP_* variables `eval "$line"` sets in `shell`, in an empty environment."""
    out = subprocess.run(["env", "-i", shell, "-c", 'set -a; eval "$1"; exec env -0', "sh", line],
                         capture_output=True, check=False, timeout=30)
    h.check(out.returncode == 0, f"{shell}: eval failed ({out.returncode}): {out.stderr!r} "
            f"for {line!r}")
    env = {}
    for item in out.stdout.split(b"\0"):
        k, _, v = item.partition(b"=")
        if k.startswith(b"RTMP_"):
            env[k.decode()] = v.decode()
    return env


def text_of(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def main(ctx):
    shells = [s for s in ("bash", "dash") if shutil.which(s)]
    if "bash" not in shells:
        h.skip("bash not installed")
    inherited = sorted(k for k in os.environ if k.startswith("RTMP_"))  # the test's own
    script = ctx.path("record.py")
    with open(script, "w") as f:
        f.write(RECORD % (inherited, ctx.dir))
    os.chmod(script, 0o755)
    ingest = h.Ingest(ctx, ["-hook-stdio-format", "env", "-hook-script", f"*={script}"],
                      stdio_events=False)

    c = r.RawClient(ingest.port)
    c.handshake()
    obj = dict(r.CONNECT_OBJ, app=APP)
    c.send(r.command_msg("connect", 1, obj))
    res = c.wait_command(lambda m: m[0] in ("_result", "_error") and m[1] == 1, "connect reply")
    h.check(res[0] == "_result", f"connect to app {APP!r} refused: {res}")
    sid = c.create_stream()
    c.send(r.command_msg("publish", 3, None, NAME, "live", stream_id=sid, csid=8))
    c.wait_command(lambda m: m[0] == "onStatus", "publish onStatus")
    c.close()

    # connection_accept .. connection_close: 7 events, each line and each hook run.
    want_key = APP + "/" + NAME
    def lines():
        return [l for l in h.read_text(ingest.proc.stderr_path).split("\n")
                if l.startswith("RTMP_EVENT_TYPE=")]
    h.wait_for(lambda: any("'connection_close'" in l for l in lines()), 30, "connection_close line")
    h.wait_for(lambda: len([p for p in os.listdir(ctx.dir) if p.startswith("hook.")]) >= len(lines()),
               30, "a script run per event line")
    got = lines()
    h.check(len(got) >= 7, f"{len(got)} env lines, want 7 or more: {got}")

    saw_newline = False
    for line in got:
        per_shell = {s: eval_line(s, line) for s in shells}
        env = per_shell["bash"]
        for s, e in per_shell.items():
            h.check(e == env, f"{s} and bash disagree on {line!r}: {e} vs {env}")
        seq = env.get("RTMP_SEQ", "?")
        with open(ctx.path(f"hook.{seq}")) as f:
            hook = json.load(f)
        h.check(env == hook["env"], f"seq {seq}: eval of the line gives {env}, "
                f"the script got {hook['env']}")
        payload = json.loads(hook["payload"])
        names = [n for n in line_names(line)]
        data_names = ["RTMP_" + k.upper() for k in payload["data"]]
        h.check(names == HEADER + data_names, f"seq {seq}: names in order {names}, want "
                f"{HEADER + data_names}")
        for name, key in JSON_KEY.items():
            h.check(env[name] == text_of(payload[key]), f"seq {seq}: {name}={env[name]!r}, "
                    f"JSON {key}={payload[key]!r}")
        for key, value in payload["data"].items():
            name = "RTMP_" + key.upper()
            if isinstance(value, float):
                h.check(float(env[name]) == value, f"seq {seq}: {name}={env[name]!r} vs {value!r}")
            else:
                h.check(env[name] == text_of(value), f"seq {seq}: {name}={env[name]!r} vs {value!r}")
        if payload["stream_key"]:
            h.check(payload["stream_key"] == want_key, f"stream_key {payload['stream_key']!r}")
            saw_newline = saw_newline or "\n" in env["RTMP_STREAM_KEY"]
    h.check(saw_newline, "no event carried the stream key with its newline")
    h.log(f"{len(got)} env lines evaluated in {', '.join(shells)}: every variable equals the "
          f"script hook's and the JSON's; e.g. {got[-1]}")
    ingest.stop()


def line_names(line):
    """The variable names a line assigns, in order (the words before '=' at the start of
    each assignment, outside quotes)."""
    names, i, n = [], 0, len(line)
    while i < n:
        j = line.index("=", i)
        name = line[i:j]
        if name.startswith("; "):
            break  # the fix-ups after the assignments
        names.append(name)
        i = j + 1
        # skip the value: '…' runs and '\'' escapes, or $(printf %b '…')
        if line.startswith("$(printf %b ", i):
            i += len("$(printf %b ")
            i = skip_quoted(line, i)
            h.check(line[i] == ")", f"unterminated printf in {line!r}")
            i += 1
        else:
            i = skip_quoted(line, i)
        if i < n and line[i] == " ":
            i += 1
        elif i < n and line[i] == ";":
            break
    return names


def skip_quoted(line, i):
    """Past a word made of '…' parts joined by \\' escapes."""
    while i < len(line):
        if line[i] == "'":
            i = line.index("'", i + 1) + 1
        elif line.startswith("\\'", i):
            i += 2
        else:
            break
    return i


if __name__ == "__main__":
    h.run(main)
