#pragma once
// Server side of the RTMP handshake, as bytes in and bytes out (no I/O).
// C0+C1 -> S0+S1+S2, then C2. Accepts the plain form (RTMP spec §5.2) and the
// digest form Flash Player 9+ clients send (HMAC-SHA256 digest in C1 at scheme 0
// or 1 offsets; then S1 carries our digest and S2 is signed with a key derived
// from the client's digest), which ffmpeg and librtmp clients verify.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace rtmp::protocol {

class ServerHandshake {
 public:
  static constexpr size_t kC1Size = 1536;

  enum class State { kWaitC0C1, kWaitC2, kDone, kFailed };

  struct Result {
    size_t consumed = 0;          // bytes of the input used; the rest is chunk stream data
    std::vector<uint8_t> output;  // bytes to send now (S0+S1+S2 once C0+C1 arrived)
    std::string error;            // non-empty: malformed handshake, close the connection
  };

  // Feeds received bytes. Call again with more bytes until state() is kDone or
  // kFailed. Bytes after C2 are not consumed.
  Result feed(std::span<const uint8_t> data);

  State state() const { return state_; }
  bool done() const { return state_ == State::kDone; }
  // True when the client used the digest (Flash Player 9) form.
  bool digest_form() const { return digest_form_; }

 private:
  // S0+S1+S2 for the complete C0+C1 in pending_.
  std::vector<uint8_t> respond();

  State state_ = State::kWaitC0C1;
  bool digest_form_ = false;
  std::vector<uint8_t> pending_;  // partial C0C1 or C2
};

// Client side, for tools and tests (bench/rtmp-load, unit tests): plain form.
class ClientHandshake {
 public:
  // C0+C1 to send first.
  std::vector<uint8_t> start();
  // Feeds S0+S1+S2; when complete, `output` holds C2 and done() is true.
  ServerHandshake::Result feed(std::span<const uint8_t> data);
  bool done() const { return done_; }

 private:
  bool done_ = false;
  std::vector<uint8_t> c1_;
  std::vector<uint8_t> pending_;
};

}  // namespace rtmp::protocol
