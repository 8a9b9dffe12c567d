#include "ingest/auth/file_authorizer.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace rtmp::auth {
namespace {

namespace fs = std::filesystem;

// A temporary auth file, removed at the end of the test.
class AuthFile {
 public:
  AuthFile() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("rtmp-auth-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + ".json");
  }
  ~AuthFile() { fs::remove(path_); }
  void write(const std::string& text) const {
    // Write aside and rename, as an editor or config tool would.
    const fs::path tmp = path_.string() + ".tmp";
    std::ofstream(tmp, std::ios::binary | std::ios::trunc) << text;
    fs::rename(tmp, path_);
  }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

// Routes spdlog's default logger into a string for the test's lifetime.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    sink->set_pattern("%l %v");
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("captured", sink));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::ostringstream out_;
};

bool allows(Authorizer& authorizer, const std::string& key, const std::string& token) {
  const auto slash = key.find('/');
  bool allowed = false;
  authorizer.authorize({"publish", key.substr(0, slash), key.substr(slash + 1), key, token, "x:1"},
                       [&](Decision d) { allowed = d.allowed; });
  return allowed;
}

TEST(LoadTokenFile, ReadsAnObjectOfStrings) {
  AuthFile file;
  file.write(R"({"live/test": "secret", "live/b": "bee"})");
  const TokenMap tokens = load_token_file(file.path());
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens.at("live/test"), "secret");
  EXPECT_EQ(tokens.at("live/b"), "bee");
}

TEST(LoadTokenFile, RejectsBrokenFilesWithoutEchoingTokens) {
  AuthFile file;
  EXPECT_THROW(load_token_file(file.path()), std::runtime_error);  // missing
  for (const char* text :
       {"{\"live/a\": \"hunter2\"", "[\"hunter2\"]", "{\"live/a\": 1}", "{\"live/a\": \"\"}", ""}) {
    file.write(text);
    try {
      load_token_file(file.path());
      ADD_FAILURE() << "accepted: " << text;
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
    }
  }
}

TEST(FileAuthorizer, ChecksAgainstTheFile) {
  AuthFile file;
  file.write(R"({"live/test": "secret"})");
  FileAuthorizer authorizer(file.path());
  EXPECT_TRUE(allows(authorizer, "live/test", "secret"));
  EXPECT_FALSE(allows(authorizer, "live/test", "wrong"));
  EXPECT_FALSE(allows(authorizer, "live/test", ""));
  EXPECT_FALSE(allows(authorizer, "live/other", "secret"));
}

TEST(FileAuthorizer, StartupFailsOnABadFile) {
  AuthFile file;
  EXPECT_THROW(FileAuthorizer{file.path()}, std::runtime_error);
  file.write("not json");
  EXPECT_THROW(FileAuthorizer{file.path()}, std::runtime_error);
}

TEST(FileAuthorizer, ReloadSwapsInTheEditedMap) {
  AuthFile file;
  file.write(R"({"live/test": "old"})");
  FileAuthorizer authorizer(file.path());
  file.write(R"({"live/test": "new", "live/second": "two"})");
  EXPECT_TRUE(allows(authorizer, "live/test", "old")) << "changes only on reload";
  authorizer.reload();
  EXPECT_EQ(authorizer.size(), 2u);
  EXPECT_TRUE(allows(authorizer, "live/test", "new"));
  EXPECT_TRUE(allows(authorizer, "live/second", "two"));
  EXPECT_FALSE(allows(authorizer, "live/test", "old"));
}

TEST(FileAuthorizer, BrokenFileKeepsTheOldMapAndLogsAnError) {
  AuthFile file;
  file.write(R"({"live/test": "old"})");
  FileAuthorizer authorizer(file.path());
  CapturedLog log;
  file.write(R"({"live/test": "hunter2")");  // truncated
  authorizer.reload();
  EXPECT_TRUE(allows(authorizer, "live/test", "old"));
  EXPECT_FALSE(allows(authorizer, "live/test", "hunter2"));
  const std::string text = log.text();
  EXPECT_EQ(text.rfind("error auth file not reloaded", 0), 0u) << text;
  EXPECT_NE(text.find(file.path()), std::string::npos) << text;
  EXPECT_EQ(text.find("hunter2"), std::string::npos) << text;
  EXPECT_EQ(text.find("old"), std::string::npos) << text;

  fs::remove(file.path());  // a vanished file is broken too
  authorizer.reload();
  EXPECT_TRUE(allows(authorizer, "live/test", "old"));
}

TEST(FileAuthorizer, ChecksRunSafelyDuringReloads) {
  AuthFile file;
  file.write(R"({"live/test": "a", "live/x": "0"})");
  FileAuthorizer authorizer(file.path());
  CapturedLog log;  // 200 reload lines
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 2; ++i) {
    readers.emplace_back([&] {
      while (!stop) {
        // Every version of the file keeps live/test=a; only live/x changes.
        if (!allows(authorizer, "live/test", "a") || allows(authorizer, "live/test", "b")) ++bad;
      }
    });
  }
  for (int i = 0; i < 200; ++i) {
    file.write(R"({"live/test": "a", "live/x": ")" + std::to_string(i) + "\"}");
    authorizer.reload();
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad, 0);
  EXPECT_TRUE(allows(authorizer, "live/x", "199"));
  EXPECT_EQ(log.text().find("error"), std::string::npos) << log.text();
}

}  // namespace
}  // namespace rtmp::auth
