#!/usr/bin/env python3
"""Capture what a real RTMP client (ffmpeg, rtmpdump) sends, for fuzz seeds.

A tiny single-connection RTMP listener: it answers the handshake in the plain
form (S2 echoes C1), replies to connect / createStream / publish / play just
enough for the client to go on, and saves every byte the client sent:

  <out>/<name>.handshake.bin   C0 + C1 + C2
  <out>/<name>.chunks.bin      the chunk stream after C2
  <out>/<name>.msg-<n>-t<type>.bin  each complete message payload (type id in the name)

Usage: capture_client_bytes.py --port 19350 --out DIR --name ffmpeg_publish
       then point the client at rtmp://127.0.0.1:19350/live/x
"""
import argparse
import os
import socket
import struct
import time


def amf_str(s):
    b = s.encode()
    return b"\x02" + struct.pack(">H", len(b)) + b


def amf_num(n):
    return b"\x00" + struct.pack(">d", n)


def amf_obj(props):
    out = b"\x03"
    for k, v in props:
        out += struct.pack(">H", len(k)) + k.encode() + v
    return out + b"\x00\x00\x09"


def chunk(csid, type_id, stream_id, payload):
    """One fmt 0 message at chunk size 128 (csid < 64)."""
    out = bytes([csid]) + b"\x00\x00\x00" + struct.pack(">I", len(payload))[1:]
    out += bytes([type_id]) + struct.pack("<I", stream_id)
    for i in range(0, len(payload), 128):
        if i:
            out += bytes([0xC0 | csid])
        out += payload[i:i + 128]
    return out


class Reader:
    """Minimal chunk stream parser: yields (type_id, stream_id, payload)."""

    def __init__(self):
        self.buf = b""
        self.chunk_size = 128
        self.streams = {}

    def feed(self, data):
        self.buf += data
        out = []
        while True:
            msg = self._one()
            if msg is None:
                return out
            if msg is not True:
                out.append(msg)

    def _one(self):
        b = self.buf
        if not b:
            return None
        fmt, csid, pos = b[0] >> 6, b[0] & 0x3F, 1
        if csid == 0:
            if len(b) < 2:
                return None
            csid, pos = 64 + b[1], 2
        elif csid == 1:
            if len(b) < 3:
                return None
            csid, pos = 64 + b[1] + 256 * b[2], 3
        st = self.streams.setdefault(csid, {"ext": False, "partial": b""})
        hlen = [11, 7, 3, 0][fmt]
        if len(b) < pos + hlen:
            return None
        h = b[pos:pos + hlen]
        pos += hlen
        if fmt < 3:
            ts = int.from_bytes(h[0:3], "big")
            st["ext"] = ts == 0xFFFFFF
        if fmt <= 1:
            st["len"] = int.from_bytes(h[3:6], "big")
            st["type"] = h[6]
        if fmt == 0:
            st["sid"] = struct.unpack("<I", h[7:11])[0]
        if st["ext"]:
            if len(b) < pos + 4:
                return None
            pos += 4
        need = min(self.chunk_size, st["len"] - len(st["partial"]))
        if len(b) < pos + need:
            return None
        st["partial"] += b[pos:pos + need]
        self.buf = b[pos + need:]
        if len(st["partial"]) < st["len"]:
            return True
        payload, st["partial"] = st["partial"], b""
        if st["type"] == 1:
            self.chunk_size = struct.unpack(">I", payload[:4])[0] & 0x7FFFFFFF
        return (st["type"], st["sid"], payload)


def command_name(payload):
    if payload[:1] == b"\x00" and payload[1:2] == b"\x02":
        payload = payload[1:]
    if payload[:1] != b"\x02":
        return "", 0.0
    n = struct.unpack(">H", payload[1:3])[0]
    name = payload[3:3 + n].decode(errors="replace")
    rest = payload[3 + n:]
    tid = struct.unpack(">d", rest[1:9])[0] if rest[:1] == b"\x00" else 0.0
    return name, tid


def reply(name, tid, sock):
    if name == "connect":
        sock.sendall(chunk(3, 20, 0, amf_str("_result") + amf_num(tid) +
                           amf_obj([("fmsVer", amf_str("FMS/3,0,1,123")),
                                    ("capabilities", amf_num(31))]) +
                           amf_obj([("level", amf_str("status")),
                                    ("code", amf_str("NetConnection.Connect.Success")),
                                    ("description", amf_str("Connection succeeded.")),
                                    ("objectEncoding", amf_num(0))])))
    elif name == "createStream":
        sock.sendall(chunk(3, 20, 0, amf_str("_result") + amf_num(tid) + b"\x05" + amf_num(1)))
    elif name in ("publish", "play"):
        code = "NetStream.Publish.Start" if name == "publish" else "NetStream.Play.Start"
        sock.sendall(chunk(5, 20, 1, amf_str("onStatus") + amf_num(0) + b"\x05" +
                           amf_obj([("level", amf_str("status")), ("code", amf_str(code)),
                                    ("description", amf_str(name))])))


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        part = sock.recv(n - len(data))
        if not part:
            raise EOFError("client closed during the handshake")
        data += part
    return data


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=19350)
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--timeout", type=float, default=30.0, help="give up after this many seconds")
    ap.add_argument("--stop-after", default="", help="close after this command (e.g. play)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", args.port))
    ls.listen(1)
    ls.settimeout(args.timeout)
    print("listening", flush=True)
    sock, _ = ls.accept()
    sock.settimeout(args.timeout)

    c0c1 = recv_exact(sock, 1537)
    sock.sendall(b"\x03" + bytes(8) + os.urandom(1528) + c0c1[1:])
    c2 = recv_exact(sock, 1536)
    with open(os.path.join(args.out, args.name + ".handshake.bin"), "wb") as f:
        f.write(c0c1 + c2)

    reader, stream, count = Reader(), b"", 0
    deadline = time.time() + args.timeout
    done = False
    while not done and time.time() < deadline:
        try:
            data = sock.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not data:
            break
        stream += data
        for type_id, _, payload in reader.feed(data):
            path = os.path.join(args.out, "%s.msg-%04d-t%d.bin" % (args.name, count, type_id))
            with open(path, "wb") as f:
                f.write(payload)
            count += 1
            if type_id in (17, 20):
                name, tid = command_name(payload)
                reply(name, tid, sock)
                done = done or name == args.stop_after
    with open(os.path.join(args.out, args.name + ".chunks.bin"), "wb") as f:
        f.write(stream)
    print("captured %d chunk stream bytes, %d messages" % (len(stream), count), flush=True)
    sock.close()


if __name__ == "__main__":
    main()
