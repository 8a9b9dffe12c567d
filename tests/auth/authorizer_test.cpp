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
  EXPECT_EQ(options.mode, "");
  EXPECT_EQ(options.actions, "publish,play");
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
  EXPECT_THROW(parse({"-auth-actions", "record"}), common::FlagError);
  EXPECT_THROW(parse({"-auth-actions", ""}), common::FlagError);
  EXPECT_THROW(parse({"-auth-actions", "publish,"}), common::FlagError);
  EXPECT_EQ(parse({"-auth-actions", "publish"}).actions, "publish");
  EXPECT_EQ(parse({"-auth-actions", "play,publish"}).actions, "play,publish");
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

  for (const auto& mode : {"token", "file", "callback"}) {
    options = {};
    options.mode = mode;
    EXPECT_EQ(error_of(options).find('\n'), std::string::npos);
  }
}

// Auth never fails open: a mode's flag implies it, or conflicts are errors.
TEST(EffectiveMode, ImpliedByTheOneModeGiven) {
  Options options;
  EXPECT_EQ(effective_mode(options), "none");
  options.tokens = {"live/test=abc"};
  EXPECT_EQ(effective_mode(options), "token");
  options = {};
  options.file = "/etc/auth.json";
  EXPECT_EQ(effective_mode(options), "file");
  options = {};
  options.callback_url = "http://127.0.0.1:9/auth";
  EXPECT_EQ(effective_mode(options), "callback");
}

TEST(EffectiveMode, ConflictsAreStartupErrors) {
  Options options;
  options.mode = "none";
  options.tokens = {"live/test=abc"};
  EXPECT_EQ(error_of(options),
            "-auth-token needs -auth-mode token (-auth-mode is none, so it would be ignored)");
  options = {};
  options.tokens = {"live/test=abc"};
  options.file = "/etc/auth.json";
  EXPECT_EQ(error_of(options),
            "-auth-token and -auth-file belong to different auth modes; choose one with "
            "-auth-mode");
  options.mode = "file";
  EXPECT_NE(error_of(options).find("-auth-token needs -auth-mode token"), std::string::npos);
}

TEST(MakeAuthorizer, TokenImpliedRefusesAMissingToken) {
  Options options;
  options.tokens = {"live/test=abc"};
  const auto authorizer = make_authorizer(options);
  EXPECT_FALSE(decide(*authorizer, "live/test", "").allowed);
  EXPECT_TRUE(decide(*authorizer, "live/test", "abc").allowed);
}

TEST(MakeAuthorizer, ActionsNotListedAreOpen) {
  Options options;
  options.tokens = {"live/test=abc"};
  options.actions = "publish";
  const auto authorizer = make_authorizer(options);
  Decision play{false, "not called"}, publish{true, "not called"};
  authorizer->authorize({"play", "live", "test", "live/test", "", "x:1"},
                        [&](Decision d) { play = std::move(d); });
  authorizer->authorize({"publish", "live", "test", "live/test", "", "x:1"},
                        [&](Decision d) { publish = std::move(d); });
  EXPECT_TRUE(play.allowed);
  EXPECT_FALSE(publish.allowed);
}

TEST(MakeAuthorizer, CallbackModeBuildsWithoutContactingTheUrl) {
  Options options;
  options.mode = "callback";
  options.callback_url = "http://127.0.0.1:9/auth";
  EXPECT_NE(make_authorizer(options), nullptr);
}

}  // namespace
}  // namespace rtmp::auth
