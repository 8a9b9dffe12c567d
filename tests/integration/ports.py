"""Free loopback ports for the servers a test starts.

Two ways a probed port can be gone by the time the server binds it:
- the probe socket closes at once, so the kernel may offer the same port to the
  test's next probe (listen, metrics and events ports asked for in a row);
- a port from bind(0) is in the kernel's ephemeral range, where every outgoing
  connection of every test running in parallel (ffmpeg, curl, the dispatchers)
  also takes its local port.
So ports are picked at random below the ephemeral range, each checked with a
bind, and never handed out twice by one process.
"""

import random
import socket

_given = set()
# Its own generator: a test that seeds the global one (for repeatable media or
# timings) must not make parallel tests probe the same ports in the same order.
_rng = random.SystemRandom()


def _below_ephemeral():
    """The range picked from: below ip_local_port_range, or None to use bind(0)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    if low < 12000:
        return None
    return max(10000, low - 12000), low - 1


def _probe(port):
    """The port if a socket can bind it now (0: any), else None."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return None
        return s.getsockname()[1]


def free_ports(k):
    """k different ports, free now and not handed out before by this process."""
    span = _below_ephemeral()
    ports = []
    for _ in range(1000 * k):
        port = _probe(_rng.randint(*span) if span else 0)
        if port is not None and port not in _given:
            _given.add(port)
            ports.append(port)
            if len(ports) == k:
                return ports
    raise RuntimeError(f"free_ports: no {k} new free ports after {1000 * k} tries")


def free_port():
    return free_ports(1)[0]
