#pragma once
// A publisher replaying FLV tags in real time, looping with running timestamps.
#include <memory>

#include "bench/rtmp_load/client_conn.hpp"
#include "bench/rtmp_load/flv_file.hpp"

namespace rtmp::load {

class LoadPublisher : public ClientConn {
 public:
  LoadPublisher(net::io_context& io, Target target, uint32_t chunk_size,
                std::shared_ptr<const std::vector<FlvTag>> tags);
  uint64_t frames_sent() const { return frames_sent_; }
  bool publishing() const { return publishing_; }

 private:
  void on_stream_ready() override;
  void on_status(const std::string& code) override;
  void on_media(const protocol::Message&) override {}
  void on_closed() override;
  void pump();

  std::shared_ptr<const std::vector<FlvTag>> tags_;
  net::steady_timer timer_;
  Clock::time_point t0_{};
  size_t next_ = 0;
  uint32_t loop_offset_ = 0;
  bool first_loop_ = true;
  bool publishing_ = false;
  uint64_t frames_sent_ = 0;
};

}  // namespace rtmp::load
