"""A receiver that closes each kept-alive connection shortly after answering
(without saying Connection: close): the idle connection's end is noticed while
nothing is in flight, the dispatcher does not spin on it (CPU stays near idle
between events), and the next event goes out on a fresh connection, delivered
once, without a failed attempt."""
import socket
import threading
import time

import proc_util as pu

COUNT = 5
RATE = 2  # events per second: each one finds its predecessor's connection closed


class ClosingReceiver:
    """Answers each request 200, then closes the connection 0.1 s later."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.lock = threading.Lock()
        self.ids = []
        self.conns = 0
        self.stopped = False
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while not self.stopped:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.conns += 1
            threading.Thread(target=self.serve, args=(c,), daemon=True).start()

    def serve(self, c):
        with c:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = c.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, body = data.split(b"\r\n\r\n", 1)
            headers = {}
            for line in head.split(b"\r\n")[1:]:
                k, _, v = line.decode().partition(":")
                headers[k.strip().lower()] = v.strip()
            length = int(headers.get("content-length", 0))
            while len(body) < length:
                chunk = c.recv(65536)
                if not chunk:
                    return
                body += chunk
            with self.lock:
                self.ids.append(headers.get("webhook-id"))
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            time.sleep(0.1)  # then close the kept-alive connection while it is idle

    def close(self):
        self.stopped = True
        self.sock.close()


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100.0  # utime + stime, in ticks of 10 ms


def main(ctx):
    rx = ClosingReceiver()
    ctx.cleanups.append(rx.close)
    pusher = pu.Pusher(ctx, "pusher", ["-count", str(COUNT), "-rate", str(RATE),
                                       "-wait-peers", "1"])
    d = pu.dispatcher(ctx, "dispatcher", [
        "-events-connect", pusher.endpoint,
        "-hook-webhook", f"*={rx.url}/",
        "-hook-concurrency", "2", "-webhook-threads", "2", "-log-level", "debug",
    ])
    d.wait_log(r"webhook .* ok in", 60)
    cpu_first = cpu_seconds(d.pid)
    t_first = time.monotonic()
    d.wait_log(r"webhook .* ok in", 60, count=COUNT)
    busy = cpu_seconds(d.pid) - cpu_first
    took = time.monotonic() - t_first
    pu.log(f"{COUNT} events over {rx.conns} connections; dispatcher CPU {busy:.2f}s in {took:.1f}s")
    pu.check(d.stop() == 0, "exit status")
    pu.check(sorted(rx.ids) == [f"evt-pusher-{i}" for i in range(1, COUNT + 1)],
             f"each event once: {rx.ids}")
    pu.check(d.count_log(r"failed") == 0, "no failed attempt")
    pu.check(rx.conns == COUNT, f"{rx.conns} connections, want one per event")
    pu.check(busy < 0.5 * took, f"dispatcher spun: {busy:.2f}s CPU in {took:.1f}s")


pu.run(main)
