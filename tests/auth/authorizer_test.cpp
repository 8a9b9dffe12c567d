// register_flags and make_authorizer: flags in, the right mode (or a one-line
// startup error) out.
#include "ingest/auth/authorizer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "common/flags.hpp"

namespace rtmp::auth {
namespace {

Options parse(std::vector<const char*> args) {
  Options options;
  common::FlagSet flags("rtmp-ingest", "RTMP_AUTH_TEST_");
  register_flags(flags, options);
  args.insert(args.begin(), "rtmp-ingest");
  flags.parse(static_cast<int>(args.size()), args.data());
  return options;
}

Decision decide(Authorizer& authorizer, const std::string& key, const std::string& token) {
  Decision result{false, "not called"};
  const auto slash = key.find('/');
  authorizer.authorize({"play", key.substr(0, slash), key.substr(slash + 1), key, token, "x:1"},
                       [&](Decision d) { result = std::move(d); });
  return result;
}

std::string error_of(const Options& options) {
  try {
    make_authorizer(options);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(AuthFlags, Defaults) {
  const Options options = parse({});
  EXPECT_EQ(options.mode, "none");
  EXPECT_TRUE(options.tokens.empty());
  EXPECT_EQ(options.file, "");
  EXPECT_EQ(options.callback_url, "");
  EXPECT_EQ(options.callback_timeout, std::chrono::seconds(5));
}

TEST(AuthFlags, ParsesEveryFlag) {
  const Options options =
      parse({"-auth-mode", "token", "-auth-token", "live/a=x",
             "--auth-token=live/b=y=", "-auth-file=/etc/auth.json", "-auth-callback",
             "http://127.0.0.1:9/auth", "-auth-callback-timeout", "1500ms"});
  EXPECT_EQ(options.mode, "token");
  EXPECT_EQ(options.tokens, (std::vector<std::string>{"live/a=x", "live/b=y="}));
  EXPECT_EQ(options.file, "/etc/auth.json");
  EXPECT_EQ(options.callback_url, "http://127.0.0.1:9/auth");
  EXPECT_EQ(options.callback_timeout, std::chrono::milliseconds(1500));
}

TEST(AuthFlags, BadValuesAreFlagErrors) {
  EXPECT_THROW(parse({"-auth-mode", "ldap"}), common::FlagError);
  EXPECT_THROW(parse({"-auth-callback", "ftp://x/"}), common::FlagError);
  EXPECT_THROW(parse({"-auth-callback-timeout", "soon"}), common::FlagError);
}

TEST(MakeAuthorizer, NoneAllowsEveryone) {
  const auto authorizer = make_authorizer(Options{});
  const Decision d = decide(*authorizer, "live/any", "");
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.error, "");
}

TEST(MakeAuthorizer, TokenMode) {
  Options options;
  options.mode = "token";
  options.tokens = {"live/test=abc"};
  const auto authorizer = make_authorizer(options);
  EXPECT_TRUE(decide(*authorizer, "live/test", "abc").allowed);
  EXPECT_FALSE(decide(*authorizer, "live/test", "abd").allowed);
}

TEST(MakeAuthorizer, FileMode) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("rtmp-make-auth-" + std::to_string(::getpid()) + ".json"))
                               .string();
  std::ofstream(path) << R"({"live/test": "abc"})";
  Options options;
  options.mode = "file";
  options.file = path;
  const auto authorizer = make_authorizer(options);
  std::filesystem::remove(path);
  EXPECT_TRUE(decide(*authorizer, "live/test", "abc").allowed);
  EXPECT_FALSE(decide(*authorizer, "live/test", "").allowed);
}

TEST(MakeAuthorizer, BadConfigurationIsAOneLineError) {
  Options options;
  options.mode = "token";
  EXPECT_EQ(error_of(options), "-auth-mode token needs at least one -auth-token");
  options.tokens = {"no-equals-sign"};
  EXPECT_NE(error_of(options), "");
  EXPECT_EQ(error_of(options).find("no-equals-sign"), std::string::npos);

  options = {};
  options.mode = "file";
  EXPECT_EQ(error_of(options), "-auth-mode file needs -auth-file");
  options.file = "/nonexistent/rtmp-auth.json";
  EXPECT_NE(error_of(options).find("/nonexistent/rtmp-auth.json"), std::string::npos);

  options = {};
  options.mode = "callback";
  EXPECT_EQ(error_of(options), "-auth-mode callback needs -auth-callback URL");
  options.callback_url = "http://127.0.0.1:9/";
  options.callback_timeout = std::chrono::milliseconds(0);
  EXPECT_EQ(error_of(options), "-auth-callback-timeout must be positive");

  for (const auto& mode : {"token", "file", "callback"}) {
    options = {};
    options.mode = mode;
    EXPECT_EQ(error_of(options).find('\n'), std::string::npos);
  }
}

TEST(MakeAuthorizer, CallbackModeBuildsWithoutContactingTheUrl) {
  Options options;
  options.mode = "callback";
  options.callback_url = "http://127.0.0.1:9/auth";
  EXPECT_NE(make_authorizer(options), nullptr);
}

}  // namespace
}  // namespace rtmp::auth
