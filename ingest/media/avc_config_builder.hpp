#pragma once
// The AVCDecoderConfigurationRecord (ISO 14496-15 5.3.3.1) of an H.264
// stream, built from the parameter sets found in-band: the body of an RTMP
// AVC sequence header, as ffmpeg's FLV/MP4 muxers write it.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace rtmp::media {

using NalList = std::vector<std::span<const uint8_t>>;

// sps, pps, sps_ext: NAL units with their header byte, still escaped. The
// first SPS must parse (it gives profile, level, and for the High profiles
// chroma format and bit depths); at least one PPS is needed.
std::optional<std::vector<uint8_t>> build_avc_decoder_config(const NalList& sps, const NalList& pps,
                                                             const NalList& sps_ext = {});

}  // namespace rtmp::media
