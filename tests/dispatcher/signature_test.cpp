#include "dispatcher/signature.hpp"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <string>

namespace rtmp::dispatcher {
namespace {

// HMAC-SHA256 through OpenSSL's EVP_MAC API (the code under test uses HMAC()),
// base64 through an EVP_ENCODE context: computed independently of signature.cpp.
std::string independent_signature(const std::string& key, const std::string& message) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params);
  EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(message.data()), message.size());
  unsigned char out[64];
  size_t len = 0;
  EVP_MAC_final(ctx, out, &len, sizeof out);
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);

  EVP_ENCODE_CTX* enc = EVP_ENCODE_CTX_new();
  EVP_EncodeInit(enc);
  unsigned char b64[128];
  int n1 = 0, n2 = 0;
  EVP_EncodeUpdate(enc, b64, &n1, out, static_cast<int>(len));
  EVP_EncodeFinal(enc, b64 + n1, &n2);
  EVP_ENCODE_CTX_free(enc);
  std::string s(reinterpret_cast<char*>(b64), static_cast<size_t>(n1 + n2));
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return "v1," + s;
}

TEST(Signature, MatchesStandardWebhooksTestVector) {
  // The example of the Standard Webhooks specification.
  const std::string key = webhook_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  EXPECT_EQ(
      webhook_signature(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})"),
      "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(Signature, MatchesIndependentHmacForRawSecret) {
  const std::string secret = "not-base64 raw secret!";
  const std::string body = R"({"type":"publish_start","id":"evt-1","data":{}})";
  EXPECT_EQ(webhook_key(secret), secret);
  EXPECT_EQ(webhook_signature(webhook_key(secret), "evt-1", 1705312222, body),
            independent_signature(secret, "evt-1.1705312222." + body));
}

TEST(Signature, WhsecPrefixIsDecoded) {
  EXPECT_EQ(webhook_key("whsec_aGVsbG8="), "hello");
  EXPECT_EQ(webhook_signature(webhook_key("whsec_aGVsbG8="), "i", 1, "b"),
            independent_signature("hello", "i.1.b"));
}

TEST(Signature, BadBase64AfterWhsecThrows) {
  EXPECT_THROW(webhook_key("whsec_abc"), std::invalid_argument);
  EXPECT_THROW(webhook_key("whsec_a$c="), std::invalid_argument);
}

TEST(Base64, RoundTripsEveryLengthAndByte) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    bytes.push_back(static_cast<char>(i * 37));
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes) << "length " << bytes.size();
  }
  EXPECT_EQ(base64_encode("hi"), "aGk=");
  EXPECT_EQ(base64_encode(""), "");
}

}  // namespace
}  // namespace rtmp::dispatcher
