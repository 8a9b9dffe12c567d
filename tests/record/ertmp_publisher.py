"""The tests' own Enhanced RTMP publisher: HEVC from an MP4 file ffmpeg made, sent as
FourCC 'hvc1' tags (Enhanced RTMP v2: sequence start with the hvcC record, coded frames
with their composition time) over a raw RTMP connection. ffmpeg 5.1 cannot publish
HEVC over RTMP itself."""

import os
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hostile"))
import harness as h  # noqa: E402
import rtmp_raw as r  # noqa: E402


def _boxes(data, start, end):
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        hdr = 8
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8:pos + 16])[0]
            hdr = 16
        elif size == 0:
            size = end - pos
        yield kind.decode("latin1"), pos + hdr, pos + size
        pos += size


def _find(data, path, start=0, end=None):
    end = len(data) if end is None else end
    head, rest = path[0], path[1:]
    for kind, b, e in _boxes(data, start, end):
        if kind == head:
            return (b, e) if not rest else _find(data, rest, b, e)
    return None


def read_mp4_video(path):
    """(hvcC bytes, [(sample bytes, dts ticks, cts ticks, is_sync)], timescale) of the first
    track of a plain (not fragmented) MP4."""
    data = open(path, "rb").read()
    trak = _find(data, ["moov", "trak"])
    mdhd = _find(data, ["mdia", "mdhd"], *trak)
    version = data[mdhd[0]]
    timescale = struct.unpack(">I", data[mdhd[0] + (20 if version == 1 else 12):][:4])[0]
    stbl = _find(data, ["mdia", "minf", "stbl"], *trak)
    stsd = _find(data, ["stsd"], *stbl)
    entry = stsd[0] + 8  # version/flags, entry count
    kind = data[entry + 4:entry + 8]
    h.check(kind in (b"hvc1", b"hev1"), f"{path}: sample entry {kind}")
    hvcc = _find(data, ["hvcC"], entry + 8 + 78, stsd[1])
    h.check(hvcc is not None, f"{path}: no hvcC")
    config = data[hvcc[0]:hvcc[1]]

    def table(name):
        b = _find(data, [name], *stbl)
        return b and (b[0] + 4, b[1])  # past version/flags

    b, _ = table("stsz")
    fixed, count = struct.unpack(">II", data[b:b + 8])
    sizes = [fixed] * count if fixed else list(struct.unpack(f">{count}I", data[b + 8:b + 8 + 4 * count]))
    co = table("stco")
    if co:
        n = struct.unpack(">I", data[co[0]:co[0] + 4])[0]
        offsets = list(struct.unpack(f">{n}I", data[co[0] + 4:co[0] + 4 + 4 * n]))
    else:
        co = table("co64")
        n = struct.unpack(">I", data[co[0]:co[0] + 4])[0]
        offsets = list(struct.unpack(f">{n}Q", data[co[0] + 4:co[0] + 4 + 8 * n]))
    b, _ = table("stsc")
    n = struct.unpack(">I", data[b:b + 4])[0]
    stsc = [struct.unpack(">III", data[b + 4 + 12 * i:b + 16 + 12 * i]) for i in range(n)]
    b, _ = table("stts")
    n = struct.unpack(">I", data[b:b + 4])[0]
    deltas = []
    for i in range(n):
        c, d = struct.unpack(">II", data[b + 4 + 8 * i:b + 12 + 8 * i])
        deltas += [d] * c
    ctts = [0] * count
    t = table("ctts")
    if t:
        n = struct.unpack(">I", data[t[0]:t[0] + 4])[0]
        out = []
        for i in range(n):
            c, o = struct.unpack(">Ii", data[t[0] + 4 + 8 * i:t[0] + 12 + 8 * i])
            out += [o] * c
        ctts = out
    t = table("stss")
    sync = set(range(count))
    if t:
        n = struct.unpack(">I", data[t[0]:t[0] + 4])[0]
        sync = {x - 1 for x in struct.unpack(f">{n}I", data[t[0] + 4:t[0] + 4 + 4 * n])}

    samples, index = [], 0
    for ci, off in enumerate(offsets):
        per = [e[1] for e in stsc if e[0] - 1 <= ci][-1]
        for _ in range(per):
            if index >= count:
                break
            samples.append(data[off:off + sizes[index]])
            off += sizes[index]
            index += 1
    dts, out = 0, []
    for i, s in enumerate(samples):
        out.append((s, dts, ctts[i], i in sync))
        dts += deltas[i] if i < len(deltas) else deltas[-1]
    return config, out, timescale


def publish_hevc(port, key, mp4_path, realtime=True):
    """Publishes the MP4's HEVC track to live/<key>; returns the frames sent."""
    config, samples, timescale = read_mp4_video(mp4_path)
    c = r.RawClient(port)
    c.handshake()
    c.connect()
    sid = c.create_stream()
    c.send(r.command_msg("publish", 3, None, key, "live", stream_id=sid, csid=8))
    c.wait_command(lambda m: m[0] == "onStatus" and "Publish.Start" in str(m), "Publish.Start")
    chunk = 128
    # ExVideoTagHeader: IsExHeader | FrameType << 4 | PacketType, then the FourCC.
    seq = bytes([0x80 | (1 << 4) | 0]) + b"hvc1" + config
    c.send(r.chunk_message(6, 9, seq, sid, 0, chunk))
    t0 = time.monotonic()
    for data, dts, cts, key_frame in samples:
        ms = dts * 1000 // timescale
        comp = cts * 1000 // timescale
        head = bytes([0x80 | ((1 if key_frame else 2) << 4) | 1]) + b"hvc1"
        body = head + (comp & 0xFFFFFF).to_bytes(3, "big") + data
        if realtime:
            wait = t0 + ms / 1000 - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        h.check(c.send(r.chunk_message(6, 9, body, sid, ms, chunk)), "publisher connection lost")
    c.send(r.command_msg("deleteStream", 4, None, sid))
    time.sleep(0.5)
    c.close()
    return len(samples)
