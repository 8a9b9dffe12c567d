#pragma once
// Opus in MPEG-TS (the "Opus in MPEG-TS" mapping of opus-codec.org, which
// ffmpeg's muxer and demuxer follow): each access unit has a control header
// (11-bit 0x3ff prefix, trim flags, its size). And what an Opus packet's TOC
// byte (RFC 6716 3.1) says about its duration.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace rtmp::media {

// True when data starts with an Opus-in-TS control header prefix. A raw Opus
// packet cannot: its TOC 0x7f would need a frame count byte of 32 or more
// 20 ms frames, past Opus's 120 ms maximum.
bool has_opus_ts_header(std::span<const uint8_t> data);

// The Opus packets of a PES payload made of control-header-framed access
// units. nullopt when the framing is broken (a size past the end).
std::optional<std::vector<std::span<const uint8_t>>> split_opus_ts(std::span<const uint8_t> data);

// Samples at 48 kHz in one Opus packet (TOC and frame count); nullopt for an
// empty packet, a missing frame count or more than 120 ms.
std::optional<uint32_t> opus_packet_samples(std::span<const uint8_t> packet);

// An OpusHead (RFC 7845 5.1) for a stream without extradata: channel
// mapping family 0 (mono or stereo, from the TOC's stereo flag), 48 kHz.
std::vector<uint8_t> default_opus_head(uint8_t channels);

}  // namespace rtmp::media
