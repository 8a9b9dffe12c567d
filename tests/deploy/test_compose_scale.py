"""deploy/docker-compose.scale.yml: N ingests behind an L4 balancer and M
dispatchers. docker-compose validates it; its topology is the documented one
(three ingests, each with its own RTMP_INGEST_NODE_ID and its events bound on
tcp://0.0.0.0:5556; the balancer publishes 1935 and its haproxy config sends to
every ingest; scalable dispatchers pull from every ingest); every RTMP_* variable
it uses is in the binaries' -help; and the real binaries start with exactly each
service's environment (addresses moved to loopback by flags) and exit 0 on
SIGTERM: every value parses, each node id is valid.

No Docker engine runs here: nothing is built or pulled.
"""
import os
import re
import shutil
import subprocess

import test_compose as tc
from test_compose import h

COMPOSE = os.path.join(tc.DEPLOY, "docker-compose.scale.yml")
HAPROXY = os.path.join(tc.DEPLOY, "haproxy-scale.cfg")


def config():
    r = subprocess.run(["docker-compose", "-f", COMPOSE, "config"], capture_output=True,
                       text=True, timeout=120)
    h.check(r.returncode == 0, f"docker-compose config failed: {r.stderr.strip()}")
    import yaml  # python3-yaml: a dependency of Debian's docker-compose
    return yaml.safe_load(r.stdout)


def main(ctx):
    if not shutil.which("docker-compose"):
        h.skip("docker-compose not installed (Debian package docker-compose)")
    bins = tc.binaries()
    helps = {k: tc.help_text(v) for k, v in bins.items()}
    services = config()["services"]
    ingests = sorted(n for n in services if n.startswith("ingest-"))
    h.check(len(ingests) >= 2, f"ingest services {ingests}: want several")
    for s in ("balancer", "dispatcher", "webhook-receiver"):
        h.check(s in services, f"compose has no {s} service")

    nodes = {}
    for name in ingests:
        env = tc.env_of(services[name])
        h.check(env.get("RTMP_INGEST_EVENTS_BIND") == "tcp://0.0.0.0:5556",
                f"{name} events bind {env.get('RTMP_INGEST_EVENTS_BIND')}")
        nodes[name] = env.get("RTMP_INGEST_NODE_ID")
    h.check(all(nodes.values()) and len(set(nodes.values())) == len(nodes),
            f"each ingest needs its own RTMP_INGEST_NODE_ID: {nodes}")
    bal_ports = {str(p.get("target")) if isinstance(p, dict) else str(p).split(":")[-1]
                 for p in services["balancer"].get("ports", [])}
    h.check("1935" in bal_ports, f"the balancer publishes {bal_ports}, want 1935")
    cfg = h.read_text(HAPROXY)
    h.check(re.search(r"^\s*mode tcp", cfg, re.M), "haproxy is not in tcp (L4) mode")
    for name in ingests:
        h.check(re.search(rf"^\s*server \S+ {name}:1935\b", cfg, re.M),
                f"haproxy does not balance to {name}:1935")
    disp = services["dispatcher"]
    denv = tc.env_of(disp)
    connect = denv.get("RTMP_DISPATCHER_EVENTS_CONNECT", "").split(",")
    h.check(sorted(connect) == sorted(f"tcp://{n}:5556" for n in ingests),
            f"dispatchers pull from {connect}, want every ingest")
    h.check(int((disp.get("deploy") or {}).get("replicas", 1)) >= 2, "dispatcher replicas < 2")
    h.check(not disp.get("ports") and "container_name" not in disp,
            "dispatcher publishes ports or has a container_name: --scale would fail")

    text = h.read_text(COMPOSE)
    for var in sorted(set(re.findall(r"\b(RTMP_(?:INGEST|DISPATCHER)_[A-Z0-9_]+)", text))):
        name = "ingest" if var.startswith("RTMP_INGEST_") else "dispatcher"
        h.check(re.search(rf"env {var}\b", helps[name]), f"{var} is not in rtmp-{name} -help")

    # The binaries take each service's environment; the dispatcher gets the
    # ingests started here for the compose host names, which resolve only there.
    events = []
    for name in ingests:
        rtmp, metrics, port = (h.free_port() for _ in range(3))
        events.append(f"tcp://127.0.0.1:{port}")
        tc.run_with_env(ctx, name, bins["ingest"], tc.env_of(services[name]),
                        ["-listen", f"127.0.0.1:{rtmp}", "-metrics-addr",
                         f"127.0.0.1:{metrics}", "-events-bind", events[-1]],
                        rf"node {re.escape(nodes[name])}\b")
    tc.run_with_env(ctx, "dispatcher", bins["dispatcher"], denv,
                    ["-metrics-addr", f"127.0.0.1:{h.free_port()}",
                     "-events-connect", ",".join(events)], r"dispatcher pulling")


if __name__ == "__main__":
    h.run(main)
