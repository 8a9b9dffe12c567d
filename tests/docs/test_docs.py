#!/usr/bin/env python3
"""README.md and docs/ stay true to the programs they describe.

- Every flag `-help` prints, for both programs, is in docs/flags.md and in the
  README's table for that program, with its environment variable.
- Every event of proto/events.proto is a row of docs/events.md and of the
  README's event table.
- Every metric the programs serve on -metrics-addr (rtmp-dispatcher alone, and
  rtmp-ingest with its embedded dispatcher) is in docs/metrics.md.
- The README's first jq example, run as written against the real rtmp-ingest
  (with a raw TCP client making events), prints event names and nothing else;
  the same joined output through a bare `.type` would print null for the log
  lines, which is why the example selects.
- Nothing in README.md, docs/ or deploy/README.md cites a SPEC the repository
  does not have.

Usage: test_docs.py  (RTMP_INGEST_BIN and RTMP_DISPATCHER_BIN from CMake)"""
import glob
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402

DOCS = os.path.join(h.REPO, "docs")
README = os.path.join(h.REPO, "README.md")


def help_flags(binary):
    """[(flag, env)] from `binary -help`, in order."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RTMP_")}
    out = subprocess.run([binary, "-help"], capture_output=True, text=True, timeout=30,
                         env=env).stdout
    pairs = re.findall(r"^  -(\S+)(?: value)?\n(?:    \t.*\n)*?    \tenv (RTMP_\S+)$", out, re.M)
    h.check(len(pairs) >= 10, f"{binary} -help lists only {len(pairs)} flags:\n{out}")
    return pairs


def proto_events():
    text = h.read_text(os.path.join(h.REPO, "proto", "events.proto"))
    enum = re.search(r"enum EventType \{(.*?)\}", text, re.S).group(1)
    names = [n.lower() for n in re.findall(r"^\s*([A-Z0-9_]+)\s*=", enum, re.M)]
    names = [n for n in names if n != "event_type_unspecified"]
    h.check(len(names) >= 12, f"events.proto lists only {names}")
    return names


def check_flags(missing):
    readme = h.read_text(README)
    flags_md = h.read_text(os.path.join(DOCS, "flags.md"))
    for prog, var in (("rtmp-ingest", "RTMP_INGEST_BIN"),
                      ("rtmp-dispatcher", "RTMP_DISPATCHER_BIN")):
        pairs = help_flags(os.environ[var])
        readme_part = re.split(r"\n##+ ", readme.split(f"### {prog}", 1)[-1], maxsplit=1)[0]
        docs_part = flags_md.split(f"## {prog}", 1)[-1]
        docs_part = docs_part.split("\n## rtmp-", 1)[0]
        for flag, env in pairs:
            for where, text in (("README.md", readme_part), ("docs/flags.md", docs_part)):
                if f"`-{flag}`" not in text:
                    missing.append(f"{where}: {prog} -{flag}")
                if f"`{env}`" not in text:
                    missing.append(f"{where}: {prog} ${env}")
        h.log(f"{prog}: {len(pairs)} flags checked")


def check_events(missing):
    readme = h.read_text(README)
    events_md = h.read_text(os.path.join(DOCS, "events.md"))
    names = proto_events()
    for name in names:
        for where, text in (("README.md", readme), ("docs/events.md", events_md)):
            if not re.search(rf"^\| {name} \|", text, re.M):
                missing.append(f"{where}: event {name}")
    h.log(f"{len(names)} events checked")


def check_no_spec_citations(missing):
    paths = [README, os.path.join(h.REPO, "deploy", "README.md")]
    paths += sorted(glob.glob(os.path.join(DOCS, "*.md")))
    for path in paths:
        for n, line in enumerate(h.read_text(path).splitlines(), 1):
            if re.search(r"\bSPEC\b|[Ii]ssue [0-9]|[Ss]ession [0-9]", line):
                missing.append(f"{os.path.relpath(path, h.REPO)}:{n} cites tracker or SPEC: "
                               f"{line.strip()}")


def first_jq_example():
    """The README's first command line piping rtmp-ingest into jq."""
    for line in h.read_text(README).splitlines():
        if line.startswith("rtmp-ingest ") and "| jq" in line:
            return line
    h.fail("README has no `rtmp-ingest … | jq …` example")


def metric_names(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        text = r.read().decode()
    return sorted(set(re.findall(r"^# TYPE (\S+) ", text, re.M)))


def check_dispatcher_metrics(ctx, missing):
    """The metrics a standalone rtmp-dispatcher serves (no ingest needed)."""
    port = h.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RTMP_")}
    p = subprocess.Popen([os.environ["RTMP_DISPATCHER_BIN"], "-metrics-addr", f"127.0.0.1:{port}",
                          "-events-connect", f"tcp://127.0.0.1:{h.free_port()}",
                          "-hook-stdio-format", "json"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL, env=env)
    try:
        h.wait_port(port, timeout=30)
        names = metric_names(port)
    finally:
        p.send_signal(signal.SIGTERM)
        code = p.wait(timeout=60)
    h.check(code == 0, f"rtmp-dispatcher exit status {code}")
    metrics_md = h.read_text(os.path.join(DOCS, "metrics.md"))
    for name in names:
        if f"`{name}" not in metrics_md:
            missing.append(f"docs/metrics.md: metric {name} (rtmp-dispatcher)")
    h.log(f"rtmp-dispatcher: {len(names)} metrics checked")


def run_jq_example(ctx, missing):
    """Runs the README's example as the shell would (ingest stdout and stderr joined
    into jq's stdin), adding only the listen and metrics addresses."""
    if not shutil.which("jq"):
        h.skip("jq not installed (Debian package jq)")
    line = first_jq_example()
    left, right = (part.strip() for part in line.split("|", 1))
    ingest_argv = shlex.split(left)
    h.check(ingest_argv[-1] == "2>&1" and ingest_argv[0] == "rtmp-ingest",
            f"README example is not `rtmp-ingest … 2>&1 | jq …`: {line}")
    jq_argv = shlex.split(right)
    h.check(jq_argv[0] == "jq", f"not a jq command: {right}")
    rtmp, metrics = h.free_port(), h.free_port()
    argv = [os.environ["RTMP_INGEST_BIN"]] + ingest_argv[1:-1] + [
        "-listen", f"127.0.0.1:{rtmp}", "-metrics-addr", f"127.0.0.1:{metrics}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RTMP_")}
    ingest = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, env=env)
    jq = subprocess.Popen(jq_argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    joined, printed = [], []

    def pump():  # the pipe between them, keeping a copy of what crossed it
        for raw in ingest.stdout:
            joined.append(raw.decode(errors="replace"))
            jq.stdin.write(raw.decode(errors="replace"))
            jq.stdin.flush()
        jq.stdin.close()

    def collect():
        for out in jq.stdout:
            printed.append(out.strip())

    threads = [threading.Thread(target=pump, daemon=True),
               threading.Thread(target=collect, daemon=True)]
    for t in threads:
        t.start()
    try:
        h.wait_port(rtmp, timeout=30)
        with socket.create_connection(("127.0.0.1", rtmp), timeout=10):
            pass  # accepted and closed: connection_accept, connection_close
        h.wait_for(lambda: '"connection_close"' in printed, 30,
                   f"jq to print connection_close (so far {printed})")
        names = metric_names(metrics)
        metrics_md = h.read_text(os.path.join(DOCS, "metrics.md"))
        for name in names:
            if f"`{name}" not in metrics_md:
                missing.append(f"docs/metrics.md: metric {name}")
        h.check(any(n.startswith("rtmp_dispatcher_") for n in names),
                f"embedded dispatcher metrics missing from /metrics: {names}")
        h.log(f"{len(names)} metrics checked")
    finally:
        if ingest.poll() is None:
            ingest.send_signal(signal.SIGTERM)
        code = ingest.wait(timeout=60)
        for t in threads:
            t.join(timeout=30)
        jq.wait(timeout=30)
    h.check(code == 0, f"rtmp-ingest exit status {code}")
    h.log(f"`{right}` printed {printed}")
    # The port probe and the client each made one connection.
    events = [f'"{name}"' for name in proto_events()]
    h.check(printed and all(p in events for p in printed),
            f"README's jq example printed {printed}, want event names only")
    h.check('"connection_accept"' in printed, f"no connection_accept in {printed}")
    # Why the example selects: joined, the log lines reach jq too.
    bare = subprocess.run(["jq", ".type"], input="".join(joined), capture_output=True,
                          text=True, timeout=30)
    h.check(bare.returncode == 0 and "null" in bare.stdout.split(),
            f"expected log lines (no type) in the joined output: {bare.stdout!r}")


def main(ctx):
    missing = []
    check_flags(missing)
    check_events(missing)
    check_no_spec_citations(missing)
    check_dispatcher_metrics(ctx, missing)
    run_jq_example(ctx, missing)
    h.check(not missing, "docs out of date:\n  " + "\n  ".join(missing))


if __name__ == "__main__":
    h.run(main)
