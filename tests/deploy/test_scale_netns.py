"""Must-show: three ingests and three dispatchers across hosts, one ingest's link
cut for 10 s and restored mid-run.

Each rtmp-ingest, each rtmp-dispatcher and the webhook receiver runs in a network
namespace of its own (its "host"), all on one bridge (ip netns, veth pairs; the
bridge lives in a namespace of its own too, so nothing touches the root
namespace). Every dispatcher pulls from all three ingests (-events-connect with
three endpoints) and posts every event to the receiver. Each ingest has its own
-node-id and its own encoders and players: an ffmpeg publisher (H.264 + AAC), a
long ffmpeg player, and short players coming and going every second, all local to
the ingest (inside its namespace, over loopback), so the ingest goes on producing
events while its link to the dispatchers is down.

Mid-run the link of ingest 1 (its veth, at the bridge) is set down for 10 s and
then up again. Checks:
- during the cut no event of node 1 reaches the receiver, while node 1 keeps
  emitting (its /metrics): they are held, not dropped;
- after the run every event of every ingest (seq 1..emitted, from each ingest's
  stop line) reached the receiver exactly once by id, or lies in a seq range a
  dispatcher reported lost; with the default -events-buffer no range is
  reported and nothing went to an ingest's stdio fallback (none while the
  buffer holds);
- `node` tells the ingests apart: three nodes, each event's node is its
  ingest's -node-id and its id begins with evt-<node>-;
- every dispatcher delivered events of every ingest, and the dispatchers'
  per-node metrics add up to what the receiver got from each node.

Needs root and `ip netns` (CI runs as root); otherwise exits 77 saying why.
Namespaces are named after this process (rhs<pid>-...), removed on every exit
path (finally, SIGTERM/SIGINT), and stale ones of a dead earlier run are removed
at start. SCALE_CUT_SECS (default 10) sets the length of the cut.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time

import ops_util as u
from ops_util import h

CUT_SECS = float(os.environ.get("SCALE_CUT_SECS", "10"))
PREFIX = "rhs"
RUN = f"{PREFIX}{os.getpid()}"
SUBNET = "10.213.0"
INGESTS = 3
DISPATCHERS = 3
EVENTS_PORT = 5556
RTMP_PORT = 1935
METRICS_PORT = 9100
RX_PORT = 8080


def ns_name(role):
    return f"{RUN}-{role}"


def sh(*argv, check=True, timeout=30):
    r = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        h.fail(f"{' '.join(map(str, argv))}: exit {r.returncode}: {r.stderr.strip()}")
    return r


def list_netns():
    r = sh("ip", "netns", "list", check=False)
    return [line.split()[0] for line in r.stdout.splitlines() if line.strip()]


class Net:
    """The namespaces, the bridge and the veth pairs; delete() undoes all of it."""

    def __init__(self):
        self.names = []
        self.hub = ns_name("hub")

    def add_ns(self, name):
        sh("ip", "netns", "add", name)
        self.names.append(name)
        sh("ip", "-n", name, "link", "set", "lo", "up")

    def build(self, hosts):
        """hosts: {role: last octet}. Returns {role: address}."""
        self.add_ns(self.hub)
        sh("ip", "-n", self.hub, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", self.hub, "link", "set", "br0", "up")
        addrs = {}
        for role, octet in hosts.items():
            ns = ns_name(role)
            self.add_ns(ns)
            port = f"v{role}"  # the bridge's end, inside the hub namespace
            sh("ip", "-n", self.hub, "link", "add", port, "type", "veth", "peer", "name", "eth0",
               "netns", ns)
            sh("ip", "-n", self.hub, "link", "set", port, "master", "br0", "up")
            sh("ip", "-n", ns, "addr", "add", f"{SUBNET}.{octet}/24", "dev", "eth0")
            sh("ip", "-n", ns, "link", "set", "eth0", "up")
            addrs[role] = f"{SUBNET}.{octet}"
        return addrs

    def link(self, role, up):
        sh("ip", "-n", self.hub, "link", "set", f"v{role}", "up" if up else "down")

    def delete(self):
        for name in reversed(self.names):
            sh("ip", "netns", "del", name, check=False)
        self.names = []


def remove_stale():
    """Namespaces of an earlier run of this test whose process is gone (SIGKILLed)."""
    for name in list_netns():
        m = re.match(rf"^{PREFIX}(\d+)-", name)
        if m and not os.path.exists(f"/proc/{m.group(1)}"):
            h.log(f"removing stale namespace {name}")
            sh("ip", "netns", "del", name, check=False)


def preflight():
    if os.geteuid() != 0:
        h.skip("needs root for network namespaces (ip netns); CI runs as root")
    if not shutil.which("ip"):
        h.skip("iproute2 (ip) not installed")
    if not shutil.which("ffmpeg"):
        h.skip("ffmpeg not installed")
    probe = f"{RUN}-probe"
    r = sh("ip", "netns", "add", probe, check=False)
    if r.returncode != 0:
        h.skip(f"ip netns unavailable here: {r.stderr.strip()}")
    try:
        r = sh("ip", "-n", probe, "link", "add", "br0", "type", "bridge", check=False)
        if r.returncode != 0:
            h.skip(f"cannot create a bridge here: {r.stderr.strip()}")
    finally:
        sh("ip", "netns", "del", probe, check=False)


RECEIVER = r'''
import http.server, sys, threading
lock = threading.Lock()
out = open(sys.argv[2], "ab", buffering=0)
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock:
            out.write(self.path.encode() + b" " + body.replace(b"\n", b" ") + b"\n")
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()
class S(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
print("receiving on", sys.argv[1], flush=True)
S(("0.0.0.0", int(sys.argv[1])), H).serve_forever()
'''


def received(path):
    """[(dispatcher path, payload)] of every request the receiver got so far."""
    out = []
    for line in h.read_text(path).splitlines():
        if line.strip():
            where, body = line.split(" ", 1)
            out.append((where, json.loads(body)))
    return out


def netns_get(ns, port, path):
    """GET http://127.0.0.1:port/path from inside a namespace."""
    code = ("import urllib.request,sys;"
            f"sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:{port}{path}',"
            "timeout=10).read().decode())")
    return sh("ip", "netns", "exec", ns, "python3", "-c", code).stdout


CHURNS = []  # stopped before cleanup on every exit path, so none starts a player after it


class Churn:
    """Short ffmpeg players, one a second on each ingest, until stopped."""

    def __init__(self, ctx, roles):
        CHURNS.append(self)
        self.ctx, self.roles = ctx, roles
        self.stop_flag = threading.Event()
        self.started = 0
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        n = 0
        while not self.stop_flag.wait(1.0):
            for role in self.roles:
                if self.stop_flag.is_set():
                    return
                n += 1
                self.ctx.proc(f"short-{role}-{n}", [
                    "ip", "netns", "exec", ns_name(role), "ffmpeg", "-hide_banner", "-nostdin",
                    "-v", "error", "-rw_timeout", "20000000",
                    "-i", f"rtmp://127.0.0.1:{RTMP_PORT}/live/{role}", "-t", "1.5",
                    "-c", "copy", "-f", "null", "-"])
                self.started += 1

    def stop(self):
        self.stop_flag.set()
        self.thread.join(10)


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip("rtmp-ingest's own event pipeline")
    preflight()
    remove_stale()
    net = Net()
    stop_signal = []

    def on_signal(sig, frame):
        stop_signal.append(sig)
        raise SystemExit(f"signal {sig}")
    old = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        run_scale(ctx, net)
    finally:
        # Processes first (a namespace with a process inside outlives its name),
        # then the namespaces and with them every veth and the bridge.
        for churn in CHURNS:
            churn.stop()
        ctx.cleanup()
        net.delete()
        for s, handler in old.items():
            signal.signal(s, handler)
        left = [n for n in list_netns() if n.startswith(RUN + "-")]
        h.check(not left, f"namespaces left behind: {left}")


def run_scale(ctx, net):
    ingests = [f"i{k}" for k in range(INGESTS)]
    dispatchers = [f"d{k}" for k in range(DISPATCHERS)]
    hosts = {r: 10 + k for k, r in enumerate(ingests)}
    hosts.update({r: 20 + k for k, r in enumerate(dispatchers)})
    hosts["rx"] = 100
    addrs = net.build(hosts)
    h.log(f"namespaces up: {', '.join(net.names)}")

    rx_script = ctx.path("receiver.py")
    with open(rx_script, "w") as f:
        f.write(RECEIVER)
    rx_log = ctx.path("received.txt")
    rx = ctx.proc("receiver", ["ip", "netns", "exec", ns_name("rx"), "python3", "-u", rx_script,
                               RX_PORT, rx_log])
    rx.wait_line(r"receiving on", 30)

    nodes = {r: f"ingest-{r[1:]}.test" for r in ingests}
    ing = {}
    for r in ingests:
        ing[r] = ctx.proc(f"ingest-{r}", [
            "ip", "netns", "exec", ns_name(r), h.ingest_binary(),
            "-listen", f"127.0.0.1:{RTMP_PORT}", "-events-bind", f"tcp://0.0.0.0:{EVENTS_PORT}",
            "-node-id", nodes[r], "-metrics-addr", f"127.0.0.1:{METRICS_PORT}",
            "-log-level", "info", "-log-format", "text"])
    for r in ingests:
        ing[r].wait_line(r"listening on", 30, "stdout")
    endpoints = ",".join(f"tcp://{addrs[r]}:{EVENTS_PORT}" for r in ingests)
    disp = {}
    for r in dispatchers:
        disp[r] = ctx.proc(f"dispatcher-{r}", [
            "ip", "netns", "exec", ns_name(r), u.dispatcher_binary(),
            "-events-connect", endpoints,
            "-hook-webhook", f"*=http://{addrs['rx']}:{RX_PORT}/{r}",
            "-metrics-addr", f"127.0.0.1:{METRICS_PORT}", "-log-level", "info",
            "-log-format", "text"])
    for r in dispatchers:
        h.wait_for(lambda: len(re.findall(r"connected to ingest", disp[r].stdout())) >= INGESTS,
                   60, f"dispatcher {r} connected to all {INGESTS} ingests")

    for r in ingests:
        ctx.proc(f"publisher-{r}", [
            "ip", "netns", "exec", ns_name(r), "ffmpeg", "-hide_banner", "-nostdin", "-v",
            "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=15", "-re", "-f",
            "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-c:v", "libx264", "-preset",
            "ultrafast", "-tune", "zerolatency", "-g", "15", "-pix_fmt", "yuv420p", "-c:a", "aac",
            "-b:a", "64k", "-f", "flv", f"rtmp://127.0.0.1:{RTMP_PORT}/live/{r}"])
    for r in ingests:
        h.wait_for(lambda: any(p["type"] == "publish_start" and p["node"] == nodes[r]
                               for _, p in received(rx_log)),
                   60, f"publish_start of {r} at the receiver")
        ctx.proc(f"player-{r}", [
            "ip", "netns", "exec", ns_name(r), "ffmpeg", "-hide_banner", "-nostdin", "-v",
            "error", "-rw_timeout", "30000000", "-i", f"rtmp://127.0.0.1:{RTMP_PORT}/live/{r}",
            "-c", "copy", "-f", "null", "-"])
    churn = Churn(ctx, ingests)
    time.sleep(4)  # the run before the cut: real-time media, not a wait for a condition

    cut = ingests[1]
    node_cut = nodes[cut]

    def emitted(role):
        m = re.search(r"^rtmp_ingest_events_emitted_total (\S+)$",
                      netns_get(ns_name(role), METRICS_PORT, "/metrics"), re.M)
        return int(float(m.group(1)))

    def got_from(node):
        return sum(1 for _, p in received(rx_log) if p["node"] == node)

    net.link(cut, False)
    t_cut = time.monotonic()
    h.log(f"link of {cut} ({node_cut}) down")
    time.sleep(min(1.5, CUT_SECS / 4))  # what was on the wire when the link went is settled
    got_early, emitted_early = got_from(node_cut), emitted(cut)
    time.sleep(max(0.0, CUT_SECS - (time.monotonic() - t_cut)))
    got_late = got_from(node_cut)
    others_during = [got_from(nodes[r]) for r in ingests if r != cut]
    net.link(cut, True)
    t_up = time.monotonic()
    emitted_late = emitted(cut)  # read after the link is back: the cut stays CUT_SECS long
    h.log(f"link of {cut} up after {t_up - t_cut:.1f}s; during the cut {node_cut} emitted "
          f"about {emitted_late - emitted_early} events and the receiver got "
          f"{got_late - got_early} of them")
    h.check(emitted_late - emitted_early >= 10,
            f"{node_cut} emitted only {emitted_late - emitted_early} events during the cut: "
            f"the churn did not run")
    h.check(got_late == got_early,
            f"{got_late - got_early} events of {node_cut} reached the receiver while its link "
            f"was down: the cut did not cut")
    h.wait_for(lambda: got_from(node_cut) >= emitted_late, 120,
               f"the events {node_cut} held during the cut to arrive after the link came back")
    h.log(f"{node_cut}: the {emitted_late - got_early} events held arrived "
          f"{time.monotonic() - t_up:.1f}s after the link came back")
    others_after = [got_from(nodes[r]) for r in ingests if r != cut]
    h.check(all(a > b for a, b in zip(others_after, others_during)) and all(others_during),
            f"the other ingests' events kept flowing: {others_during} -> {others_after}")
    time.sleep(3)  # more churn after the link is back

    churn.stop()
    for p in list(ctx.procs):
        if p.name.startswith(("short-", "player-", "publisher-")):
            p.stop(signal.SIGINT, 20)
    totals = {}
    for r in ingests:
        h.check(ing[r].stop(signal.SIGTERM, 60) == 0, f"ingest {r} exit status")
        m = re.search(r"rtmp-ingest stopped: (\d+) events emitted, (\d+) sent, (\d+) to stdio "
                      r"fallback, (\d+) dropped", ing[r].stdout())
        h.check(m, f"no stop line from ingest {r}")
        totals[nodes[r]] = int(m.group(1))
        h.check(m.group(3) == "0" and m.group(4) == "0",
                f"ingest {r}: {m.group(3)} events to the stdio fallback, {m.group(4)} dropped; "
                f"the buffer should have held them all")
    h.log(f"events emitted per node: {totals}")

    def complete():
        got = {}
        for _, p in received(rx_log):
            got[p["node"]] = got.get(p["node"], 0) + 1
        return all(got.get(n, 0) >= t for n, t in totals.items())
    h.wait_for(complete, 120, "every emitted event at the receiver")

    metrics = {r: u.parse_metrics(netns_get(ns_name(r), METRICS_PORT, "/metrics"))
               for r in dispatchers}
    for r in dispatchers:
        h.check(disp[r].stop(signal.SIGTERM, 60) == 0, f"dispatcher {r} exit status")
    lost_lines = [line for r in dispatchers for line in disp[r].stdout().splitlines()
                  if re.search(r"lost \d+ event", line)]
    h.check(not lost_lines, f"dispatchers reported lost seqs: {lost_lines[:3]}")

    events = received(rx_log)
    by_node = {}
    for where, p in events:
        h.check(p["node"] in totals, f"event of an unknown node: {p}")
        h.check(p["id"].startswith(f"evt-{p['node']}-"), f"id {p['id']} does not name node "
                f"{p['node']}")
        by_node.setdefault(p["node"], []).append((where, p))
    h.check(sorted(by_node) == sorted(nodes.values()), f"nodes seen: {sorted(by_node)}")
    for node, evs in by_node.items():
        ids = [p["id"] for _, p in evs]
        dup = len(ids) - len(set(ids))
        h.check(dup == 0, f"{node}: {dup} events delivered more than once")
        seqs = sorted(p["seq"] for _, p in evs)
        h.check(seqs == list(range(1, totals[node] + 1)),
                f"{node}: seqs delivered are not exactly 1..{totals[node]}: "
                f"missing {sorted(set(range(1, totals[node] + 1)) - set(seqs))[:20]}")
        per_disp = {d: sum(1 for w, _ in evs if w == f"/{d}") for d in dispatchers}
        h.check(all(per_disp.values()), f"{node}: a dispatcher delivered none: {per_disp}")
        counted = sum(m.get(f'rtmp_dispatcher_node_events_total{{node="{node}"}}', 0)
                      for m in metrics.values())
        h.check(counted == totals[node], f"{node}: dispatchers' per-node metrics count "
                f"{counted}, the ingest emitted {totals[node]}")
        h.log(f"{node}: {len(evs)} events, each once, seq 1..{totals[node]}, by dispatcher "
              f"{per_disp}")
    types = {p["type"] for _, p in events}
    for t in ("publish_start", "play_start", "play_stop", "connection_close", "publish_stop"):
        h.check(t in types, f"no {t} event at all")
    h.log(f"{len(events)} events from {len(by_node)} ingests through {DISPATCHERS} dispatchers, "
          f"{churn.started} short players; link of {node_cut} cut for {CUT_SECS:.0f}s")


h.run(main)
