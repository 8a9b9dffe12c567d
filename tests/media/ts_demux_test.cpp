// TsToRtmp on what libavformat's mpegts demuxer really returns: ffmpeg
// encodes a short MPEG-TS (x264 + AAC, x265 + AAC, x264 + Opus) at test time,
// av_read_frame hands out its packets as the SRT ingest does, and the RTMP
// messages that come out are checked by our own parsers and, written as an
// FLV file, decoded by ffmpeg without an error.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

extern "C" {
#include <libavformat/avformat.h>
}

#include "ingest/media/adts.hpp"
#include "ingest/media/codec_info.hpp"
#include "ingest/media/flv_audio.hpp"
#include "ingest/media/flv_video.hpp"
#include "ingest/media/ts_to_rtmp.hpp"

namespace rtmp::media {
namespace {

namespace fs = std::filesystem;
using protocol::Message;

struct Demuxed {
  std::vector<Message> out;
  TsToRtmpStats stats;
  size_t video_packets = 0;
  size_t audio_frames = 0;  // ADTS frames, or Opus packets
};

class TsDemux : public ::testing::Test {
 protected:
  void SetUp() override {
    // ffmpeg makes the test streams; scripts/install-deps.sh installs it.
    ASSERT_EQ(std::system("ffmpeg -version >/dev/null 2>&1"), 0) << "ffmpeg is not installed";
    dir_ = fs::temp_directory_path() /
           ("ts_demux_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    if (!std::getenv("TS_DEMUX_KEEP")) fs::remove_all(dir_, ec);
  }

  // 2 s of 320x240 at 25 fps with B-frames, 48 kHz stereo audio.
  std::string make_ts(const std::string& video_codec, const std::string& audio_codec) {
    const std::string path = (dir_ / "in.ts").string();
    const std::string cmd =
        "ffmpeg -v error -y -f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i "
        "sine=sample_rate=48000 -t 2 -c:v " +
        video_codec + " -preset ultrafast -g 25 -bf 2 " +
        (video_codec == "libx265" ? "-x265-params log-level=error " : "") + "-c:a " + audio_codec +
        " -ac 2 -f mpegts " + path;
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    return path;
  }

  static EsCodec codec_of(AVCodecID id) {
    switch (id) {
      case AV_CODEC_ID_H264:
        return EsCodec::kH264;
      case AV_CODEC_ID_HEVC:
        return EsCodec::kH265;
      case AV_CODEC_ID_OPUS:
        return EsCodec::kOpus;
      default:
        return EsCodec::kAac;
    }
  }

  static size_t adts_count(std::span<const uint8_t> data) {
    size_t n = 0;
    for (size_t pos = 0; pos < data.size(); ++n) {
      const auto h = parse_adts_header(data.subspan(pos));
      if (!h) return n;
      pos += h->frame_length;
    }
    return n;
  }

  static Demuxed demux(const std::string& path) {
    Demuxed d;
    AVFormatContext* fmt = nullptr;
    if (avformat_open_input(&fmt, path.c_str(), nullptr, nullptr) != 0) return d;
    avformat_find_stream_info(fmt, nullptr);
    TsToRtmp conv;
    AVPacket* pkt = av_packet_alloc();
    while (av_read_frame(fmt, pkt) >= 0) {
      const AVStream* st = fmt->streams[pkt->stream_index];
      const EsCodec codec = codec_of(st->codecpar->codec_id);
      EsPacket p{.codec = codec,
                 .pts = pkt->pts,
                 .dts = pkt->dts,
                 .keyframe = (pkt->flags & AV_PKT_FLAG_KEY) != 0,
                 .data = {pkt->data, static_cast<size_t>(pkt->size)},
                 .extradata = {st->codecpar->extradata,
                               static_cast<size_t>(st->codecpar->extradata_size)}};
      if (codec == EsCodec::kH264 || codec == EsCodec::kH265) {
        ++d.video_packets;
      } else {
        d.audio_frames += codec == EsCodec::kAac ? adts_count(p.data) : 1;
      }
      conv.push(p, d.out);
      av_packet_unref(pkt);
    }
    av_packet_free(&pkt);
    avformat_close_input(&fmt);
    d.stats = conv.stats();
    return d;
  }

  // The messages as an FLV file (what a player recording the stream writes).
  std::string write_flv(const std::vector<Message>& out) {
    const std::string path = (dir_ / "out.flv").string();
    std::ofstream f(path, std::ios::binary);
    const char header[] = {'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0};
    f.write(header, sizeof header);
    for (const auto& m : out) {
      std::vector<uint8_t> tag = {m.header.type_id};
      protocol::append_be(tag, static_cast<uint32_t>(m.payload.size()), 3);
      protocol::append_be(tag, m.header.timestamp & 0xffffff, 3);
      tag.push_back(static_cast<uint8_t>(m.header.timestamp >> 24));
      protocol::append_be(tag, 0, 3);
      tag.insert(tag.end(), m.payload.begin(), m.payload.end());
      protocol::append_be(tag, static_cast<uint32_t>(11 + m.payload.size()), 4);
      f.write(reinterpret_cast<const char*>(tag.data()), static_cast<std::streamsize>(tag.size()));
    }
    return path;
  }

  // ffmpeg decodes the file: its error output (empty when clean).
  std::string decode_errors(const std::string& path) {
    const std::string log = (dir_ / "decode.log").string();
    const std::string cmd = "ffmpeg -v error -i " + path + " -f null - 2>" + log;
    std::system(cmd.c_str());
    std::ifstream in(log);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  // The frames ffprobe decodes from the first stream of a kind ("v", "a").
  int decoded_frames(const std::string& path, const char* kind) {
    const std::string out = (dir_ / "count.txt").string();
    const std::string cmd = std::string("ffprobe -v error -count_frames -select_streams ") + kind +
                            ":0 -show_entries stream=nb_read_frames -of csv=p=0 " + path + " >" +
                            out;
    if (std::system(cmd.c_str()) != 0) return -1;
    std::ifstream in(out);
    int n = -1;
    in >> n;
    return n;
  }

  // The H.265 messages back as an Annex-B stream: the parameter sets of the
  // hvcC record, then each frame's NAL units with start codes.
  std::string write_hevc(const std::vector<Message>& out) {
    const std::string path = (dir_ / "out.hevc").string();
    std::ofstream f(path, std::ios::binary);
    const char start[] = {0, 0, 0, 1};
    auto nal = [&](std::span<const uint8_t> n) {
      f.write(start, 4);
      f.write(reinterpret_cast<const char*>(n.data()), static_cast<std::streamsize>(n.size()));
    };
    for (const auto& m : out) {
      if (m.header.type_id != 9) continue;
      const VideoPacket packet = parse_video_packet(m.payload);
      const auto body = packet.body;
      size_t pos = 0;
      if (packet.packet_type == VideoPacketType::kSequenceStart) {
        pos = 23;
        for (size_t a = 0, arrays = body[22]; a < arrays; ++a) {
          const size_t count = (size_t{body[pos + 1]} << 8) | body[pos + 2];
          pos += 3;
          for (size_t i = 0; i < count; ++i) {
            const size_t n = (size_t{body[pos]} << 8) | body[pos + 1];
            nal(body.subspan(pos + 2, n));
            pos += 2 + n;
          }
        }
        continue;
      }
      while (pos + 4 <= body.size()) {
        const size_t n = protocol::read_be(body.data() + pos, 4);
        nal(body.subspan(pos + 4, n));
        pos += 4 + n;
      }
    }
    return path;
  }

  // Both tracks' timestamps never go back; returns {first video, first audio}.
  static std::pair<int64_t, int64_t> check_times(const std::vector<Message>& out) {
    int64_t last[2] = {-1, -1};
    int64_t first[2] = {-1, -1};
    for (const auto& m : out) {
      const int v = m.header.type_id == 9 ? 0 : 1;
      EXPECT_GE(int64_t{m.header.timestamp}, last[v]);
      last[v] = m.header.timestamp;
      if (first[v] < 0) first[v] = m.header.timestamp;
    }
    return {first[0], first[1]};
  }

  fs::path dir_;
};

TEST_F(TsDemux, H264AndAacPlayAsAnRtmpPublish) {
  const Demuxed d = demux(make_ts("libx264", "aac"));
  ASSERT_EQ(d.video_packets, 50u);
  EXPECT_EQ(d.stats.video_frames, 50u);
  EXPECT_EQ(d.stats.audio_frames, d.audio_frames);
  EXPECT_GE(d.audio_frames, 90u);
  EXPECT_EQ(d.stats.video_dropped + d.stats.audio_dropped + d.stats.video_waiting, 0u);
  ASSERT_FALSE(d.out.empty());
  const auto first_video = std::find_if(d.out.begin(), d.out.end(),
                                        [](const Message& m) { return m.header.type_id == 9; });
  ASSERT_NE(first_video, d.out.end());
  const auto video = describe_video(first_video->payload);
  ASSERT_TRUE(video);
  EXPECT_EQ(video->codec, "H264");
  EXPECT_EQ(video->width, 320u);
  const auto first_audio = std::find_if(d.out.begin(), d.out.end(),
                                        [](const Message& m) { return m.header.type_id == 8; });
  ASSERT_NE(first_audio, d.out.end());
  const auto audio = describe_audio(first_audio->payload);
  ASSERT_TRUE(audio);
  EXPECT_EQ(audio->codec, "AAC");
  EXPECT_EQ(audio->sample_rate, 48000u);
  const auto [v0, a0] = check_times(d.out);
  EXPECT_LE(std::abs(v0 - a0), 100);  // the tracks start together

  const std::string flv = write_flv(d.out);
  EXPECT_EQ(decode_errors(flv), "");
  EXPECT_EQ(decoded_frames(flv, "v"), 50);
  EXPECT_EQ(decoded_frames(flv, "a"), static_cast<int>(d.audio_frames));
}

TEST_F(TsDemux, H265BecomesEnhancedRtmpWithItsSequenceStartFirst) {
  const Demuxed d = demux(make_ts("libx265", "aac"));
  ASSERT_EQ(d.video_packets, 50u);
  EXPECT_EQ(d.stats.video_frames, 50u);
  EXPECT_EQ(d.stats.audio_frames, d.audio_frames);
  size_t frames = 0;
  bool first = true;
  for (const auto& m : d.out) {
    if (m.header.type_id != 9) continue;
    const VideoPacket packet = parse_video_packet(m.payload);
    ASSERT_TRUE(packet.tag.valid);
    EXPECT_TRUE(packet.tag.enhanced);
    EXPECT_EQ(packet.tag.codec, "H265");
    if (first) {
      EXPECT_EQ(packet.packet_type, VideoPacketType::kSequenceStart);
      const auto video = describe_video(m.payload);
      ASSERT_TRUE(video);
      EXPECT_EQ(video->width, 320u);
      EXPECT_EQ(video->height, 240u);
      EXPECT_EQ(video->profile, "Main");
      first = false;
    } else {
      EXPECT_TRUE(packet.packet_type == VideoPacketType::kCodedFrames ||
                  packet.packet_type == VideoPacketType::kCodedFramesX);
      ++frames;
    }
  }
  EXPECT_EQ(frames, 50u);
  check_times(d.out);
  // ffmpeg 5.1 reads no Enhanced RTMP FLV: the stream goes back to Annex-B.
  const std::string hevc = write_hevc(d.out);
  EXPECT_EQ(decode_errors(hevc), "");
  EXPECT_EQ(decoded_frames(hevc, "v"), 50);
}

TEST_F(TsDemux, OpusBecomesEnhancedRtmpOpus) {
  const Demuxed d = demux(make_ts("libx264", "libopus"));
  EXPECT_EQ(d.stats.video_frames, 50u);
  EXPECT_EQ(d.stats.audio_frames, d.audio_frames);
  EXPECT_GE(d.audio_frames, 95u);  // 20 ms packets over 2 s
  EXPECT_EQ(d.stats.audio_dropped, 0u);
  const auto first_audio = std::find_if(d.out.begin(), d.out.end(),
                                        [](const Message& m) { return m.header.type_id == 8; });
  ASSERT_NE(first_audio, d.out.end());
  const auto audio = describe_audio(first_audio->payload);
  ASSERT_TRUE(audio);
  EXPECT_EQ(audio->codec, "Opus");
  EXPECT_EQ(audio->channels, 2u);
  const auto [v0, a0] = check_times(d.out);
  EXPECT_LE(std::abs(v0 - a0), 100);
}

}  // namespace
}  // namespace rtmp::media
