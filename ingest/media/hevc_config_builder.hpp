#pragma once
// The HEVCDecoderConfigurationRecord (ISO 14496-15 8.3.3.1, "hvcC") of an
// H.265 stream, built from the parameter sets found in-band: the body of an
// Enhanced RTMP 'hvc1' SequenceStart, laid out as ffmpeg's muxers write it.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "ingest/media/avc_config_builder.hpp"

namespace rtmp::media {

// vps, sps, pps: NAL units with their 2-byte header, still escaped; one of
// each at least. The first SPS must parse: it gives profile/tier/level (with
// the constraint flags), chroma format, bit depths and temporal layering.
std::optional<std::vector<uint8_t>> build_hevc_decoder_config(const NalList& vps,
                                                              const NalList& sps,
                                                              const NalList& pps);

}  // namespace rtmp::media
