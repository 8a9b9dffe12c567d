#!/usr/bin/env python3
"""Writes fuzz_ts_to_rtmp's seeds (corpus/fuzz_ts_to_rtmp/) from the
elementary-stream fixtures of tests/media/data, as the target's packet
records: codec, flags (1 keyframe, 2 pts, 4 dts, 8 extradata), 5-byte pts and
dts, 2-byte length, data, then extradata of the same length when flagged.
Usage: make_ts_seeds.py (from anywhere; rerun when the fixtures change)."""
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE.parent / "media" / "data"
OUT = HERE / "corpus" / "fuzz_ts_to_rtmp"
H264, H265, AAC, OPUS = 0, 1, 2, 3


def record(codec, data, pts, dts, key=False, extradata=b""):
    flags = (1 if key else 0) | 2 | 4 | (8 if extradata else 0)
    if extradata:
        extradata = extradata[: len(data)].ljust(len(data), b"\0")
    return (bytes([codec, flags]) + pts.to_bytes(5, "big") + dts.to_bytes(5, "big") +
            struct.pack(">H", len(data)) + data + extradata)


def access_units(stream, hevc):
    aud = b"\x00\x00\x00\x01" + (b"\x46\x01" if hevc else b"\x09")
    parts = stream.split(aud)
    return [aud + p for p in parts if p]


def adts_frames(stream):
    frames, pos = [], 0
    while pos + 7 <= len(stream):
        n = ((stream[pos + 3] & 3) << 11) | (stream[pos + 4] << 3) | (stream[pos + 5] >> 5)
        frames.append(stream[pos:pos + n])
        pos += n
    return frames


def video_seed(codec, name, start):
    units = access_units((DATA / name).read_bytes(), codec == H265)
    return b"".join(record(codec, u, start + i * 3600 + 7200, start + i * 3600, i % 5 == 0)
                    for i, u in enumerate(units))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    wrap = (1 << 33) - 3 * 3600
    aac = adts_frames((DATA / "aac_48k_stereo.adts").read_bytes())
    aac_seed = b"".join(record(AAC, f, 900000 + i * 1920, 900000 + i * 1920)
                        for i, f in enumerate(aac))
    ogg = (DATA / "opus_48k_stereo.opus").read_bytes()
    head = ogg[ogg.index(b"OpusHead"):][:19]
    opus = b"\xfc" + bytes(40)
    opus_seed = b"".join(record(OPUS, opus, 900000 + i * 1800, 900000 + i * 1800,
                               extradata=head if i == 0 else b"") for i in range(4))
    framed = b"".join(b"\x7f\xe0" + bytes([len(opus)]) + opus for _ in range(3))
    opus_seed += record(OPUS, framed, 907200, 907200)
    seeds = {
        "h264": video_seed(H264, "h264_160x120_aud.h264", 900000),
        "h264_wrap": video_seed(H264, "h264_160x120_aud.h264", wrap),
        "hevc": video_seed(H265, "hevc_160x120_aud.hevc", 900000),
        "aac": aac_seed,
        "opus": opus_seed,
        "mixed": video_seed(H264, "h264_320x240_aud.h264", 900000) + aac_seed[:2000],
    }
    for name, data in seeds.items():
        (OUT / name).write_bytes(data)


if __name__ == "__main__":
    main()
