#!/usr/bin/env python3
"""A UDP proxy that drops a fraction of datagrams at random, in both directions.

The kernels of the test machines have no netem, so the lossy-link test puts this
between the SRT caller (ffmpeg) and rtmp-ingest. Each client address gets its own
upstream socket (so the server sees one peer per client, as without the proxy).

Usage: udp_loss_proxy.py LISTEN_PORT TARGET_PORT LOSS [SEED]
  LOSS: fraction dropped per datagram, e.g. 0.02. Prints "listening on PORT" once
  bound; on SIGTERM/SIGINT prints "forwarded N dropped M" per direction and exits 0.
"""
import random
import select
import signal
import socket
import sys


def main():
    listen_port, target_port, loss = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else None)
    target = ("127.0.0.1", target_port)
    front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    front.bind(("127.0.0.1", listen_port))
    upstream = {}  # client address -> socket towards the server
    client_of = {}  # upstream socket -> client address
    stats = {"up": [0, 0], "down": [0, 0]}  # forwarded, dropped
    running = [True]

    def stop(*_):
        running[0] = False

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"listening on {front.getsockname()[1]}", flush=True)
    while running[0]:
        try:
            ready, _, _ = select.select([front, *client_of], [], [], 0.2)
        except InterruptedError:
            continue
        for s in ready:
            data, addr = s.recvfrom(65536)
            if s is front:
                up = upstream.get(addr)
                if up is None:
                    up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    up.bind(("127.0.0.1", 0))
                    upstream[addr], client_of[up] = up, addr
                direction, send = "up", lambda d, up=up: up.sendto(d, target)
            else:
                direction, send = "down", lambda d, c=client_of[s]: front.sendto(d, c)
            if rng.random() < loss:
                stats[direction][1] += 1
                continue
            stats[direction][0] += 1
            send(data)
    for d, (fwd, drop) in stats.items():
        print(f"{d}: forwarded {fwd} dropped {drop}", flush=True)


if __name__ == "__main__":
    main()
