// libFuzzer target: FLV/RTMP audio and video payload inspection. Every input
// must yield valid == false / nullopt or a result, never a crash.
#include <cstddef>
#include <cstdint>
#include <span>

#include "ingest/media/codec_info.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> payload(data, size);
  (void)rtmp::media::inspect_video(payload);
  (void)rtmp::media::inspect_audio(payload);
  (void)rtmp::media::describe_video(payload);
  (void)rtmp::media::describe_video(payload, 25.0);
  (void)rtmp::media::describe_audio(payload);
  return 0;
}
