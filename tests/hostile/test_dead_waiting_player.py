#!/usr/bin/env python3
"""A player waiting for a publisher whose network goes away is found and
closed: play_stop and connection_close with reason idle_timeout, and one WARN
"peer unreachable". It writes nothing and is written nothing, so only TCP
keepalive (probing after -idle-timeout of silence) can notice.

The ingest and a raw player run in two network namespaces joined by a veth
pair; the player's end is set down once the play started, so what the ingest
sends is lost without a word, as on a dead network.
(Seen failing before: the player stayed subscribed, its events never came.)
Needs root and `ip netns` (CI runs as root); otherwise exits 77 saying why."""

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402

NS = f"rtmp-ghost-{os.getpid()}"       # the ingest's
PEER_NS = f"rtmp-ghostp-{os.getpid()}"  # the player's
SERVER, CLIENT = "10.213.7.1", "10.213.7.2"
HERE = os.path.dirname(os.path.abspath(__file__))
PLAYER = f"""
import socket, sys, time
sys.path.insert(0, {HERE!r})
sys.path.insert(0, {os.path.join(HERE, "..", "integration")!r})
import rtmp_raw as r
connect = socket.socket.connect
socket.socket.connect = lambda self, addr: connect(self, ({SERVER!r}, addr[1]))
c = r.raw_player(int(sys.argv[1]), "ghost")
print("playing", flush=True)
time.sleep(600)
"""


def ip(*args, check=True):
    r = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if check and r.returncode != 0:
        h.fail(f"ip {' '.join(args)}: {r.stderr.strip()}")
    return r


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip("rtmp-ingest's own teardown")
    if os.geteuid() != 0:
        h.skip("needs root for a network namespace (ip netns); CI runs as root")
    if not shutil.which("ip"):
        h.skip("iproute2 (ip) not installed")
    r = ip("netns", "add", NS, check=False)
    if r.returncode != 0:
        h.skip(f"ip netns unavailable here: {r.stderr.strip()}")
    try:
        ip("netns", "add", PEER_NS)
        for ns, dev, addr in ((NS, "vs", SERVER), (PEER_NS, "vp", CLIENT)):
            ip("-n", ns, "link", "set", "lo", "up")
            if ns == NS:
                ip("-n", NS, "link", "add", "vs", "type", "veth", "peer", "name", "vp",
                   "netns", PEER_NS)
            ip("-n", ns, "addr", "add", f"{addr}/24", "dev", dev)
        for ns, dev in ((NS, "vs"), (PEER_NS, "vp")):
            ip("-n", ns, "link", "set", dev, "up")
        run_in(ctx)
    finally:
        ctx.cleanup()
        ip("netns", "del", NS, check=False)
        ip("netns", "del", PEER_NS, check=False)


def run_in(ctx):

    port = h.free_port()
    ingest = ctx.proc("ingest", ["ip", "netns", "exec", NS, h.ingest_binary(), "-listen",
                                 f"{SERVER}:{port}", "-idle-timeout", "2s",
                                 "-write-timeout", "3s",
                                 "-hook-stdio-format", "json", "-log-level", "debug"])
    h.wait_for(lambda: "listening" in ingest.stdout() or not ingest.running(), 30, "listening")
    script = ctx.path("player.py")
    with open(script, "w") as f:
        f.write(PLAYER)
    player = ctx.proc("player", ["ip", "netns", "exec", PEER_NS, sys.executable, script,
                                 str(port)])

    def events():
        return h.read_events(ingest.stderr_path)
    h.wait_for(lambda: "playing" in player.stdout() or not player.running(), 60, "the play")
    h.check(player.running(), f"player exited; see {player.stderr_path}")
    h.wait_for(lambda: [e for e in events() if e["type"] == "play_start"], 30, "play_start")
    ip("-n", PEER_NS, "link", "set", "vp", "down")

    close = h.wait_for(lambda: [e for e in events() if e["type"] == "connection_close"], 60,
                       "connection_close of the unreachable player")[0]
    stop = [e for e in events() if e["type"] == "play_stop"]
    h.check(len(stop) == 1 and stop[0]["data"]["reason"] == "idle_timeout", f"play_stop {stop}")
    h.check(close["data"]["reason"] == "idle_timeout", f"connection_close {close}")
    h.check("peer unreachable" in ingest.stdout(), "no WARN naming the unreachable peer")
    player.stop()
    ingest.stop()


if __name__ == "__main__":
    h.run(main)
