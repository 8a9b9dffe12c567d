#include "ingest/protocol/handshake.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstring>
#include <string>
#include <vector>

namespace rtmp::protocol {
namespace {

constexpr size_t kSize = ServerHandshake::kC1Size;
constexpr uint8_t kTail[32] = {0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0,
                               0xD1, 0x02, 0x9E, 0x7E, 0x57, 0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80,
                               0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE};

std::vector<uint8_t> key(const std::string& text, bool tail) {
  std::vector<uint8_t> k(text.begin(), text.end());
  if (tail) k.insert(k.end(), std::begin(kTail), std::end(kTail));
  return k;
}
const std::vector<uint8_t> kPlayerKey = key("Genuine Adobe Flash Player 001", false);
const std::vector<uint8_t> kServerKey36 = key("Genuine Adobe Flash Media Server 001", false);
const std::vector<uint8_t> kServerKey68 = key("Genuine Adobe Flash Media Server 001", true);

std::array<uint8_t, 32> hmac(const std::vector<uint8_t>& k, const uint8_t* p, size_t n) {
  std::array<uint8_t, 32> d{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), k.data(), static_cast<int>(k.size()), p, n, d.data(), &len);
  return d;
}

// Digest offset as ffmpeg's client computes it (scheme 0 base 8, scheme 1 base 772).
size_t offset(const uint8_t* p, int scheme) {
  size_t base = scheme == 0 ? 8 : 772;
  return (size_t{p[base]} + p[base + 1] + p[base + 2] + p[base + 3]) % 728 + base + 4;
}

std::array<uint8_t, 32> digest_without(const uint8_t* p, size_t off,
                                       const std::vector<uint8_t>& k) {
  std::vector<uint8_t> joined(p, p + off);
  joined.insert(joined.end(), p + off + 32, p + kSize);
  return hmac(k, joined.data(), joined.size());
}

// C0+C1 in the Flash Player 9 form, signed at `scheme`'s offset.
std::vector<uint8_t> digest_c0c1(int scheme, uint8_t seed) {
  std::vector<uint8_t> out(1 + kSize);
  out[0] = 3;
  uint8_t* c1 = out.data() + 1;
  for (size_t i = 8; i < kSize; ++i) c1[i] = static_cast<uint8_t>(i * 31 + seed);
  const uint8_t version[4] = {9, 0, 124, 2};
  std::memcpy(c1 + 4, version, 4);
  size_t off = offset(c1, scheme);
  auto d = digest_without(c1, off, kPlayerKey);
  std::memcpy(c1 + off, d.data(), 32);
  return out;
}

std::vector<uint8_t> plain_c0c1() {
  std::vector<uint8_t> out(1 + kSize, 0);
  out[0] = 3;
  for (size_t i = 9; i < out.size(); ++i) out[i] = static_cast<uint8_t>(i * 7);
  return out;
}

TEST(ServerHandshake, PlainFormEchoesC1AndConsumesC2) {
  ServerHandshake hs;
  auto c0c1 = plain_c0c1();
  auto r = hs.feed(c0c1);
  ASSERT_TRUE(r.error.empty());
  EXPECT_EQ(r.consumed, c0c1.size());
  ASSERT_EQ(r.output.size(), 1 + 2 * kSize);
  EXPECT_EQ(r.output[0], 3);
  EXPECT_TRUE(std::equal(c0c1.begin() + 1, c0c1.end(), r.output.begin() + 1 + kSize));
  EXPECT_FALSE(hs.digest_form());
  EXPECT_EQ(hs.state(), ServerHandshake::State::kWaitC2);

  // C2 followed by chunk stream bytes: only C2 is consumed.
  std::vector<uint8_t> c2(r.output.begin() + 1, r.output.begin() + 1 + kSize);
  c2.insert(c2.end(), {0x03, 0x00, 0x00});
  auto r2 = hs.feed(c2);
  EXPECT_TRUE(r2.error.empty());
  EXPECT_EQ(r2.consumed, kSize);
  EXPECT_TRUE(r2.output.empty());
  EXPECT_TRUE(hs.done());
}

TEST(ServerHandshake, AllInOneFeed) {
  ServerHandshake hs;
  auto bytes = plain_c0c1();
  bytes.resize(bytes.size() + kSize + 5, 0xAB);
  auto r = hs.feed(bytes);
  EXPECT_TRUE(hs.done());
  EXPECT_EQ(r.consumed, 1 + 2 * kSize);
  EXPECT_EQ(r.output.size(), 1 + 2 * kSize);
}

class DigestForm : public ::testing::TestWithParam<int> {};

// Verifies S1 and S2 exactly as ffmpeg's and librtmp's clients do.
TEST_P(DigestForm, ServerSignsS1AndS2) {
  const int scheme = GetParam();
  ServerHandshake hs;
  auto c0c1 = digest_c0c1(scheme, 17);
  auto r = hs.feed(c0c1);
  ASSERT_TRUE(r.error.empty());
  ASSERT_TRUE(hs.digest_form());
  ASSERT_EQ(r.output.size(), 1 + 2 * kSize);
  const uint8_t* s1 = r.output.data() + 1;
  const uint8_t* s2 = s1 + kSize;
  EXPECT_GE(s1[4], 3) << "ffmpeg validates only when the server version is >= 3";

  // S1 digest with the 36-byte server key, at the client's scheme.
  size_t s1_off = offset(s1, scheme);
  auto expected = digest_without(s1, s1_off, kServerKey36);
  EXPECT_EQ(0, std::memcmp(expected.data(), s1 + s1_off, 32));

  // S2: HMAC of its first 1504 bytes with HMAC(68-byte key, client digest).
  const uint8_t* c1 = c0c1.data() + 1;
  auto k = hmac(kServerKey68, c1 + offset(c1, scheme), 32);
  auto sig = hmac(std::vector<uint8_t>(k.begin(), k.end()), s2, kSize - 32);
  EXPECT_EQ(0, std::memcmp(sig.data(), s2 + kSize - 32, 32));

  std::vector<uint8_t> c2(kSize, 0x5A);
  auto r2 = hs.feed(c2);
  EXPECT_TRUE(hs.done());
  EXPECT_EQ(r2.consumed, kSize);
}

INSTANTIATE_TEST_SUITE_P(Schemes, DigestForm, ::testing::Values(0, 1));

TEST(ServerHandshake, CorruptDigestFallsBackToPlain) {
  ServerHandshake hs;
  auto c0c1 = digest_c0c1(0, 3);
  c0c1[1 + offset(c0c1.data() + 1, 0)] ^= 0xFF;
  auto r = hs.feed(c0c1);
  ASSERT_TRUE(r.error.empty());
  EXPECT_FALSE(hs.digest_form());
  EXPECT_TRUE(std::equal(c0c1.begin() + 1, c0c1.end(), r.output.begin() + 1 + kSize));
}

TEST(ServerHandshake, ByteAtATime) {
  ServerHandshake hs;
  auto bytes = digest_c0c1(1, 99);
  bytes.resize(bytes.size() + kSize, 0x11);
  std::vector<uint8_t> output;
  size_t consumed = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto r = hs.feed({&bytes[i], 1});
    ASSERT_TRUE(r.error.empty());
    consumed += r.consumed;
    output.insert(output.end(), r.output.begin(), r.output.end());
    if (i + 1 < 1 + kSize) {
      EXPECT_TRUE(r.output.empty());
    }
  }
  EXPECT_TRUE(hs.done());
  EXPECT_TRUE(hs.digest_form());
  EXPECT_EQ(consumed, bytes.size());
  EXPECT_EQ(output.size(), 1 + 2 * kSize);
  // Fed after completion: nothing consumed.
  uint8_t extra = 0;
  EXPECT_EQ(hs.feed({&extra, 1}).consumed, 0u);
}

TEST(ServerHandshake, RejectsBadVersion) {
  for (uint8_t v : {0, 1, 2, 4, 0x47}) {
    ServerHandshake hs;
    std::vector<uint8_t> bytes(10, 0);
    bytes[0] = v;
    auto r = hs.feed(bytes);
    EXPECT_NE(r.error.find("unsupported RTMP version"), std::string::npos) << r.error;
    EXPECT_EQ(hs.state(), ServerHandshake::State::kFailed);
    EXPECT_FALSE(hs.feed(bytes).error.empty());
  }
}

TEST(ServerHandshake, RejectsEncryptedRtmp) {
  ServerHandshake hs;
  uint8_t six = 6;
  auto r = hs.feed({&six, 1});
  EXPECT_NE(r.error.find("RTMPE"), std::string::npos) << r.error;
}

TEST(ServerHandshake, TruncatedStaysWaiting) {
  ServerHandshake hs;
  auto c0c1 = plain_c0c1();
  auto r = hs.feed(std::span<const uint8_t>(c0c1).first(1000));
  EXPECT_TRUE(r.error.empty());
  EXPECT_TRUE(r.output.empty());
  EXPECT_EQ(hs.state(), ServerHandshake::State::kWaitC0C1);
}

TEST(ClientHandshake, CompletesAgainstServer) {
  ServerHandshake server;
  ClientHandshake client;
  auto c0c1 = client.start();
  ASSERT_EQ(c0c1.size(), 1 + kSize);
  EXPECT_EQ(c0c1[0], 3);
  auto s = server.feed(c0c1);
  EXPECT_FALSE(server.digest_form());
  // Server output split in two, the second part with trailing bytes.
  auto part1 = std::span<const uint8_t>(s.output).first(700);
  auto r1 = client.feed(part1);
  EXPECT_EQ(r1.consumed, 700u);
  EXPECT_FALSE(client.done());
  std::vector<uint8_t> rest(s.output.begin() + 700, s.output.end());
  rest.push_back(0x02);
  auto r2 = client.feed(rest);
  EXPECT_TRUE(client.done());
  EXPECT_EQ(r2.consumed, rest.size() - 1);
  ASSERT_EQ(r2.output.size(), kSize);
  EXPECT_TRUE(std::equal(r2.output.begin(), r2.output.end(), s.output.begin() + 1));
  server.feed(r2.output);
  EXPECT_TRUE(server.done());
}

TEST(ClientHandshake, RejectsBadServerVersion) {
  ClientHandshake client;
  client.start();
  uint8_t v = 9;
  EXPECT_FALSE(client.feed({&v, 1}).error.empty());
}

}  // namespace
}  // namespace rtmp::protocol
