#include "ingest/media/ts_audio.hpp"

#include <algorithm>

#include "ingest/media/adts.hpp"
#include "ingest/media/opus_head.hpp"
#include "ingest/media/opus_ts.hpp"

namespace rtmp::media {
namespace {

using protocol::MessageType;

constexpr uint8_t kFlvAac = 0xaf;  // AAC, "44 kHz", 16-bit, stereo: fixed for AAC
constexpr uint8_t kAacSequenceHeader = 0;
constexpr uint8_t kAacRaw = 1;
constexpr uint8_t kExAudio = 0x90;  // SoundFormat 9: ExHeader; low nibble the packet type
constexpr uint8_t kExSequenceStart = 0;
constexpr uint8_t kExCodedFrames = 1;
constexpr uint32_t kAacFrameSamples = 1024;
constexpr uint32_t kOpusRate = 48000;

std::vector<uint8_t> opus_body(uint8_t packet_type, std::span<const uint8_t> data) {
  std::vector<uint8_t> body;
  body.reserve(5 + data.size());
  body.push_back(static_cast<uint8_t>(kExAudio | packet_type));
  body.insert(body.end(), {'O', 'p', 'u', 's'});
  body.insert(body.end(), data.begin(), data.end());
  return body;
}

}  // namespace

void TsAudio::reset(EsCodec codec) {
  const MonotoneMs ms = ms_;  // players still need non-decreasing timestamps
  *this = TsAudio{};
  codec_ = codec;
  ms_ = ms;
}

bool TsAudio::anchor(int64_t pts, TsClock& clock) {
  if (pts != kNoTimestamp) {
    anchor_ticks_ = clock.ticks(pts);
    anchor_samples_ = 0;
    anchored_ = true;
  }
  return anchored_;
}

uint32_t TsAudio::advance(uint32_t samples, uint32_t rate) {
  if (rate != anchor_rate_) {
    // A new rate: re-anchor at the current position, so the samples counted
    // so far keep the duration they had.
    if (anchor_rate_ != 0) {
      anchor_ticks_ += static_cast<int64_t>(anchor_samples_ * kTsClockHz / anchor_rate_);
    }
    anchor_samples_ = 0;
    anchor_rate_ = rate;
  }
  // From the sample count each time: no rounding error accumulates.
  const int64_t ticks =
      anchor_ticks_ + static_cast<int64_t>(anchor_samples_ * kTsClockHz / anchor_rate_);
  anchor_samples_ += samples;
  return ms_.next(TsClock::to_ms(ticks));
}

void TsAudio::push(const EsPacket& packet, TsClock& clock, TsSink& sink) {
  if (codec_ != packet.codec) reset(packet.codec);
  if (!anchor(packet.pts, clock)) return sink.drop_audio("audio without a timestamp yet");
  if (packet.codec == EsCodec::kAac) {
    push_aac(packet.data, sink);
  } else {
    push_opus(packet, sink);
  }
}

void TsAudio::push_aac(std::span<const uint8_t> data, TsSink& sink) {
  size_t pos = 0;
  bool in_junk = false;
  while (pos < data.size()) {
    const auto rest = data.subspan(pos);
    const auto header = parse_adts_header(rest);
    if (!header) {
      // Resynchronise on the next sync word; a run of junk counts once.
      if (!in_junk) sink.drop_audio("junk instead of an ADTS header");
      in_junk = true;
      ++pos;
      continue;
    }
    in_junk = false;
    if (header->frame_length > rest.size()) return sink.drop_audio("truncated ADTS frame");
    pos += header->frame_length;
    if (header->raw_blocks > 1 && header->header_size == 9) {
      // Several raw blocks with CRCs need the block position table: rare
      // (encoders write one block per frame), and ffmpeg refuses it too.
      sink.drop_audio("ADTS frame with several CRC-protected raw blocks");
      (void)advance(kAacFrameSamples * header->raw_blocks, header->sample_rate);
      continue;
    }
    if (header->channel_config == 0) {
      // The channel layout is in a program config element inside the frame;
      // an AudioSpecificConfig would have to carry it, which needs parsing
      // the raw block. Encoders use 1..7.
      sink.drop_audio("ADTS channel configuration 0 (a PCE) is not supported");
      (void)advance(kAacFrameSamples * header->raw_blocks, header->sample_rate);
      continue;
    }
    const auto asc = adts_audio_specific_config(*header);
    const uint32_t ms = advance(kAacFrameSamples * header->raw_blocks, header->sample_rate);
    if (asc != sent_asc_) {
      sink.emit(MessageType::kAudio, ms, {kFlvAac, kAacSequenceHeader, asc[0], asc[1]});
      sent_asc_ = asc;
      ++sink.stats.sequence_headers;
    }
    const auto raw = rest.subspan(header->header_size, header->frame_length - header->header_size);
    std::vector<uint8_t> body;
    body.reserve(2 + raw.size());
    body.push_back(kFlvAac);
    body.push_back(kAacRaw);
    body.insert(body.end(), raw.begin(), raw.end());
    sink.emit(MessageType::kAudio, ms, std::move(body));
    ++sink.stats.audio_frames;
  }
}

void TsAudio::push_opus(const EsPacket& packet, TsSink& sink) {
  // The stream's OpusHead goes out before the next packet when it is new.
  if (!packet.extradata.empty() && parse_opus_head(packet.extradata) &&
      !std::ranges::equal(packet.extradata, sent_opus_head_)) {
    pending_opus_head_.assign(packet.extradata.begin(), packet.extradata.end());
  }
  if (!has_opus_ts_header(packet.data)) return emit_opus(packet.data, sink);
  const auto packets = split_opus_ts(packet.data);
  if (!packets) return sink.drop_audio("broken Opus-in-TS framing");
  for (const auto& opus : *packets) emit_opus(opus, sink);
}

void TsAudio::emit_opus(std::span<const uint8_t> opus, TsSink& sink) {
  const auto samples = opus_packet_samples(opus);
  if (!samples) return sink.drop_audio("malformed Opus packet");
  const uint32_t ms = advance(*samples, kOpusRate);
  if (sent_opus_head_.empty() && pending_opus_head_.empty()) {
    pending_opus_head_ = default_opus_head((opus[0] & 0x04) ? 2 : 1);
  }
  if (!pending_opus_head_.empty()) {
    sent_opus_head_ = std::move(pending_opus_head_);
    pending_opus_head_.clear();
    sink.emit(MessageType::kAudio, ms, opus_body(kExSequenceStart, sent_opus_head_));
    ++sink.stats.sequence_headers;
  }
  sink.emit(MessageType::kAudio, ms, opus_body(kExCodedFrames, opus));
  ++sink.stats.audio_frames;
}

}  // namespace rtmp::media
