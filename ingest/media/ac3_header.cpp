#include "ingest/media/ac3_header.hpp"

#include <array>

#include "ingest/media/bit_reader.hpp"

namespace rtmp::media {
namespace {

constexpr std::array<uint32_t, 3> kRates = {48000, 44100, 32000};
constexpr std::array<uint32_t, 3> kHalfRates = {24000, 22050, 16000};
constexpr std::array<uint32_t, 8> kAcmodChannels = {2, 1, 2, 3, 3, 4, 4, 5};

std::optional<Ac3Header> parse_ac3(BitReader& br) {
  br.skip(16);  // crc1
  const uint32_t fscod = br.bits(2);
  br.skip(6 + 5 + 3);  // frmsizecod, bsid, bsmod
  const uint32_t acmod = br.bits(3);
  if ((acmod & 1) && acmod != 1) br.skip(2);  // cmixlev
  if (acmod & 4) br.skip(2);                  // surmixlev
  if (acmod == 2) br.skip(2);                 // dsurmod
  const bool lfe = br.flag();
  if (!br.ok() || fscod == 3) return std::nullopt;
  return Ac3Header{false, kRates[fscod], kAcmodChannels[acmod] + (lfe ? 1u : 0u)};
}

std::optional<Ac3Header> parse_eac3(BitReader& br) {
  br.skip(2 + 3 + 11);  // strmtyp, substreamid, frmsiz
  const uint32_t fscod = br.bits(2);
  uint32_t rate = 0;
  if (fscod == 3) {
    const uint32_t fscod2 = br.bits(2);
    if (fscod2 == 3) return std::nullopt;
    rate = kHalfRates[fscod2];
  } else {
    br.skip(2);  // numblkscod
    rate = kRates[fscod];
  }
  const uint32_t acmod = br.bits(3);
  const bool lfe = br.flag();
  if (!br.ok()) return std::nullopt;
  return Ac3Header{true, rate, kAcmodChannels[acmod] + (lfe ? 1u : 0u)};
}

}  // namespace

std::optional<Ac3Header> parse_ac3_header(std::span<const uint8_t> frame) {
  if (frame.size() < 7 || frame[0] != 0x0b || frame[1] != 0x77) return std::nullopt;
  const unsigned bsid = frame[5] >> 3;
  BitReader br(frame.subspan(2));
  if (bsid <= 10) return parse_ac3(br);
  if (bsid <= 16) return parse_eac3(br);
  return std::nullopt;
}

}  // namespace rtmp::media
