#include "ingest/protocol/handshake.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <random>

namespace rtmp::protocol {
namespace {

constexpr uint8_t kVersion = 3;
constexpr size_t kSize = ServerHandshake::kC1Size;
constexpr size_t kDigestSize = 32;

// The well-known handshake keys: a text prefix followed by the same 32 bytes.
constexpr uint8_t kKeyTail[32] = {0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0,
                                  0xD1, 0x02, 0x9E, 0x7E, 0x57, 0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80,
                                  0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE};
constexpr std::string_view kPlayerText = "Genuine Adobe Flash Player 001";        // 30
constexpr std::string_view kServerText = "Genuine Adobe Flash Media Server 001";  // 36

std::vector<uint8_t> make_key(std::string_view text, bool with_tail) {
  std::vector<uint8_t> key(text.begin(), text.end());
  if (with_tail) key.insert(key.end(), std::begin(kKeyTail), std::end(kKeyTail));
  return key;
}

using Digest = std::array<uint8_t, kDigestSize>;

Digest hmac_sha256(std::span<const uint8_t> key, std::span<const uint8_t> data) {
  Digest d{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), d.data(),
       &len);
  return d;
}

// Offset of the 32-byte digest in a 1536-byte C1/S1: scheme 0 sums bytes 8..11,
// scheme 1 bytes 772..775.
size_t digest_offset(const uint8_t* packet, int scheme) {
  const size_t base = scheme == 0 ? 8 : 772;
  const size_t sum = size_t{packet[base]} + packet[base + 1] + packet[base + 2] + packet[base + 3];
  return sum % 728 + base + 4;
}

// HMAC of the packet without the digest bytes at `offset`.
Digest packet_digest(const uint8_t* packet, size_t offset, std::span<const uint8_t> key) {
  std::vector<uint8_t> joined;
  joined.reserve(kSize - kDigestSize);
  joined.insert(joined.end(), packet, packet + offset);
  joined.insert(joined.end(), packet + offset + kDigestSize, packet + kSize);
  return hmac_sha256(key, joined);
}

void fill_random(uint8_t* p, size_t n) {
  if (RAND_bytes(p, static_cast<int>(n)) == 1) return;
  std::mt19937 gen{std::random_device{}()};
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(gen());
}

std::string bad_version(uint8_t v) {
  if (v == 6 || v == 8 || v == 9) {
    return "encrypted RTMP (RTMPE, version " + std::to_string(v) + ") is not supported";
  }
  return "unsupported RTMP version " + std::to_string(v) + " (expected 3)";
}

// Appends up to `want - pending.size()` bytes of data[pos..] to pending.
void take(std::vector<uint8_t>& pending, size_t want, std::span<const uint8_t> data, size_t& pos) {
  const size_t n = std::min(want - pending.size(), data.size() - pos);
  pending.insert(pending.end(), data.begin() + static_cast<std::ptrdiff_t>(pos),
                 data.begin() + static_cast<std::ptrdiff_t>(pos + n));
  pos += n;
}

}  // namespace

ServerHandshake::Result ServerHandshake::feed(std::span<const uint8_t> data) {
  Result r;
  if (state_ == State::kFailed) {
    r.error = "handshake already failed";
    return r;
  }
  size_t pos = 0;
  if (state_ == State::kWaitC0C1) {
    if (pending_.empty() && !data.empty() && data[0] != kVersion) {
      state_ = State::kFailed;
      r.error = bad_version(data[0]);
      return r;
    }
    take(pending_, 1 + kSize, data, pos);
    if (pending_.size() == 1 + kSize) {
      r.output = respond();
      pending_.clear();
      state_ = State::kWaitC2;
    }
  }
  if (state_ == State::kWaitC2) {
    take(pending_, kSize, data, pos);
    if (pending_.size() == kSize) {
      // C2 content is not checked: clients echo S1 or sign it, and neither
      // proves anything we rely on.
      pending_ = {};
      state_ = State::kDone;
    }
  }
  r.consumed = pos;
  return r;
}

std::vector<uint8_t> ServerHandshake::respond() {
  const uint8_t* c1 = pending_.data() + 1;
  const auto player_key = make_key(kPlayerText, false);

  // Digest form: find the client's digest at either scheme's offset.
  int scheme = -1;
  size_t client_offset = 0;
  for (int s = 0; s < 2 && scheme < 0; ++s) {
    const size_t off = digest_offset(c1, s);
    const Digest d = packet_digest(c1, off, player_key);
    if (std::memcmp(d.data(), c1 + off, kDigestSize) == 0) {
      scheme = s;
      client_offset = off;
    }
  }
  digest_form_ = scheme >= 0;

  std::vector<uint8_t> out(1 + 2 * kSize);
  out[0] = kVersion;
  uint8_t* s1 = out.data() + 1;
  uint8_t* s2 = s1 + kSize;
  fill_random(s1 + 8, kSize - 8);  // time and version (bytes 0..7) stay zero
  if (!digest_form_) {
    std::memcpy(s2, c1, kSize);  // plain form: S2 echoes C1
    return out;
  }

  // S1: our version and a digest with the partial server key, same scheme.
  const uint8_t server_version[4] = {0x04, 0x05, 0x00, 0x01};
  std::memcpy(s1 + 4, server_version, 4);
  const size_t s1_offset = digest_offset(s1, scheme);
  const Digest s1_digest = packet_digest(s1, s1_offset, make_key(kServerText, false));
  std::memcpy(s1 + s1_offset, s1_digest.data(), kDigestSize);

  // S2: random bytes signed with a key derived from the client's digest.
  fill_random(s2, kSize - kDigestSize);
  const Digest key = hmac_sha256(make_key(kServerText, true), {c1 + client_offset, kDigestSize});
  const Digest sig = hmac_sha256(key, {s2, kSize - kDigestSize});
  std::memcpy(s2 + kSize - kDigestSize, sig.data(), kDigestSize);
  return out;
}

std::vector<uint8_t> ClientHandshake::start() {
  std::vector<uint8_t> out(1 + kSize);
  out[0] = kVersion;
  fill_random(out.data() + 9, kSize - 8);  // time and zero fields stay zero
  c1_.assign(out.begin() + 1, out.end());
  return out;
}

ServerHandshake::Result ClientHandshake::feed(std::span<const uint8_t> data) {
  ServerHandshake::Result r;
  if (done_) return r;
  if (pending_.empty() && !data.empty() && data[0] != kVersion) {
    r.error = bad_version(data[0]);
    return r;
  }
  size_t pos = 0;
  take(pending_, 1 + 2 * kSize, data, pos);
  r.consumed = pos;
  if (pending_.size() == 1 + 2 * kSize) {
    // C2 echoes S1; S2 is accepted whatever it holds.
    r.output.assign(pending_.begin() + 1, pending_.begin() + 1 + kSize);
    pending_ = {};
    done_ = true;
  }
  return r;
}

}  // namespace rtmp::protocol
