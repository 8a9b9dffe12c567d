"""nats-server on loopback for the JetStream hook's tests (stdlib only): one
server or a cluster, random ports, own store dirs; a minimal NATS protocol
client reading a stream's messages through the JetStream API
($JS.API.STREAM.MSG.GET) and the monitoring endpoint (/jsz)."""
import base64
import json
import os
import shutil
import socket
import urllib.request

import proc_util as pu


def have_server():
    return shutil.which("nats-server") is not None


class Server:
    def __init__(self, ctx, name, cluster_port=None, routes=None, cluster_name="rtmp",
                 wait=True, port=None, http=None, extra=()):
        self.name = name
        self.port = port or pu.free_port()
        self.http = http or pu.free_port()
        self.store = os.path.join(ctx.tmp, f"{name}-store")
        args = ["nats-server", "-js", "-a", "127.0.0.1", "-p", str(self.port),
                "-m", str(self.http), "-sd", self.store, "-n", name]
        if cluster_port:
            args += ["--cluster_name", cluster_name,
                     "--cluster", f"nats://127.0.0.1:{cluster_port}",
                     "--routes", ",".join(f"nats://127.0.0.1:{p}" for p in routes)]
        args += list(extra)
        self.proc = pu.Proc(ctx, name, args)
        if wait:
            pu.wait_for(self.healthy, 30, f"{name} healthz")

    def healthy(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.http}/healthz", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def url(self):
        return f"127.0.0.1:{self.port}"

    def jsz(self):
        with urllib.request.urlopen(
                f"http://127.0.0.1:{self.http}/jsz?streams=true&config=true", timeout=5) as r:
            return json.loads(r.read())

    def stream_state(self, stream):
        for acc in self.jsz().get("account_details", []):
            for s in acc.get("stream_detail", []):
                if s["name"] == stream:
                    return s
        return None


def cluster(ctx, n=3):
    # Client, monitoring and cluster ports of every node, picked together: a
    # node's cluster port handed out again as another's monitoring port left
    # that node unable to listen (seen once in CI).
    ports = pu.free_ports(3 * n)
    cports = ports[2 * n:]
    nodes = [Server(ctx, f"nats{i}", cports[i], [p for j, p in enumerate(cports) if j != i],
                    wait=False, port=ports[2 * i], http=ports[2 * i + 1]) for i in range(n)]
    for node in nodes:  # healthy once the cluster has elected its meta leader
        pu.wait_for(node.healthy, 60, f"{node.name} healthz")
    return nodes


class Client:
    """Just enough of the NATS protocol for request/reply."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        self._line()  # INFO
        self.sock.sendall(b'CONNECT {"verbose":false,"pedantic":false,"headers":true,'
                          b'"no_responders":true,"protocol":1}\r\nSUB _INBOX.t 1\r\n')
        self.n = 0

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("nats closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode()

    def _bytes(self, n):
        while len(self.buf) < n + 2:
            self.buf += self.sock.recv(65536)
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def request(self, subject, payload):
        self.sock.sendall(f"PUB {subject} _INBOX.t {len(payload)}\r\n".encode() + payload +
                          b"\r\n")
        while True:
            line = self._line()
            if line == "PING":
                self.sock.sendall(b"PONG\r\n")
            elif line.startswith("MSG "):
                return self._bytes(int(line.split()[-1]))
            elif line.startswith("HMSG "):
                parts = line.split()
                data = self._bytes(int(parts[-1]))
                return data[int(parts[-2]):]
            elif line.startswith("-ERR"):
                raise ConnectionError(line)

    def msg(self, stream, seq):
        """(headers dict, data bytes, subject) of message `seq`, or None."""
        reply = json.loads(self.request(f"$JS.API.STREAM.MSG.GET.{stream}",
                                        json.dumps({"seq": seq}).encode()))
        m = reply.get("message")
        if not m:
            return None
        headers = {}
        for line in base64.b64decode(m.get("hdrs", "")).decode().split("\r\n")[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip()] = v.strip()
        return headers, base64.b64decode(m.get("data", "")), m["subject"]

    def close(self):
        self.sock.close()


def stream_messages(port, stream, count):
    """Every message of the stream, seq 1..count."""
    c = Client(port)
    try:
        return [c.msg(stream, s) for s in range(1, count + 1)]
    finally:
        c.close()
