#include "ingest/srt/srt_passphrases.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "ingest/srt/srt_handshake_log.hpp"

namespace rtmp::srt {
namespace {

class SrtPassphrases : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("srt_pass_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".json");
  }
  void TearDown() override { std::filesystem::remove(path_); }
  void write(const std::string& text) { std::ofstream(path_) << text; }
  std::string load_error(const std::string& text) {
    write(text);
    try {
      load_passphrase_file(path_.string());
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    ADD_FAILURE() << "loaded: " << text;
    return {};
  }
  std::filesystem::path path_;
};

TEST_F(SrtPassphrases, LoadsAnObjectOfPassphrases) {
  write(R"({"live/a": "aaaaaaaaaa", "live/b": "bbbbbbbbbbbbbbbb"})");
  const auto map = load_passphrase_file(path_.string());
  ASSERT_EQ(map.size(), 2u);
  EXPECT_EQ(map.at("live/a"), "aaaaaaaaaa");
  EXPECT_EQ(map.at("live/b"), "bbbbbbbbbbbbbbbb");
}

TEST_F(SrtPassphrases, RefusesBadFilesWithoutShowingThePassphrase) {
  EXPECT_NE(load_error("{").find("invalid JSON"), std::string::npos);
  EXPECT_NE(load_error("[]").find("expected a JSON object"), std::string::npos);
  EXPECT_NE(load_error(R"({"live/a": 5})").find("live/a"), std::string::npos);
  EXPECT_NE(load_error(R"({"": "aaaaaaaaaa"})").find("must map"), std::string::npos);
  const std::string short_one = load_error(R"({"live/a": "shortpw"})");
  EXPECT_NE(short_one.find("10 to 79"), std::string::npos);
  EXPECT_EQ(short_one.find("shortpw"), std::string::npos);
  EXPECT_NE(load_error(R"({"live/a": ")" + std::string(80, 'x') + "\"}").find("10 to 79"),
            std::string::npos);
  std::filesystem::remove(path_);
  EXPECT_THROW(load_passphrase_file(path_.string()), std::runtime_error);
}

TEST_F(SrtPassphrases, FileEntryThenGlobalThenRefusedWhenAFileIsInUse) {
  write(R"({"live/a": "aaaaaaaaaa"})");
  Passphrases with_global("gggggggggg", path_.string());
  EXPECT_EQ(with_global.lookup("live/a").passphrase, "aaaaaaaaaa");
  EXPECT_EQ(with_global.lookup("live/z").passphrase, "gggggggggg");
  EXPECT_TRUE(with_global.lookup("live/z").allowed);

  Passphrases file_only("", path_.string());
  EXPECT_EQ(file_only.lookup("live/a").passphrase, "aaaaaaaaaa");
  EXPECT_FALSE(file_only.lookup("live/z").allowed);

  Passphrases none("", "");
  EXPECT_TRUE(none.lookup("live/z").allowed);
  EXPECT_EQ(none.lookup("live/z").passphrase, "");
  EXPECT_FALSE(none.enabled());
}

TEST_F(SrtPassphrases, ReloadSwapsTheMapAndKeepsItWhenBroken) {
  write(R"({"live/a": "aaaaaaaaaa"})");
  Passphrases p("", path_.string());
  write(R"({"live/a": "a2a2a2a2a2", "live/b": "bbbbbbbbbb"})");
  p.reload();
  EXPECT_EQ(p.lookup("live/a").passphrase, "a2a2a2a2a2");
  EXPECT_EQ(p.lookup("live/b").passphrase, "bbbbbbbbbb");
  write("{broken");
  p.reload();
  EXPECT_EQ(p.lookup("live/a").passphrase, "a2a2a2a2a2");
}

TEST(SrtHandshakeLog, NamesTheNotedCallerOfARejectedHandshakeOnce) {
  SrtHandshakeLog log;
  log.note(646846566, "127.0.0.1:5000", "live/a");
  // What libsrt 1.5 logs (its prefix varies with the log flags).
  EXPECT_TRUE(log.on_log(4,
                         "SRT.cn: @646846566:newConnection: connection rejected due to: "
                         "INTERNAL REJECTION - ERROR:BADSECRET"));
  // Reported once, then forgotten.
  EXPECT_FALSE(log.on_log(4, "@646846566:newConnection: connection rejected due to: X"));
  // Other lines, and callers accepted or expired, report nothing.
  log.note(7, "127.0.0.1:5001", "live/b");
  EXPECT_FALSE(log.on_log(4, "@7:processConnectRequest: something else"));
  log.forget(7);
  EXPECT_FALSE(log.on_log(4, "@7:newConnection: connection rejected due to: X"));
  log.note(8, "127.0.0.1:5002", "live/c");
  log.expire(std::chrono::seconds(0));
  EXPECT_FALSE(log.on_log(4, "@8:newConnection: connection rejected due to: X"));
}

}  // namespace
}  // namespace rtmp::srt
