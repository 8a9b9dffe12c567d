#include "common/logging.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <boost/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace rtmp::common {
namespace {

namespace json = boost::json;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Points the default logger at a string stream with our formatter (the
// recording sink), and puts the previous default back afterwards.
class LoggingTest : public ::testing::Test {
 protected:
  void use(LogFormat format, spdlog::level::level_enum level = spdlog::level::debug) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    sink->set_formatter(make_log_formatter(format));
    auto logger = std::make_shared<spdlog::logger>("test", sink);
    logger->set_level(level);
    spdlog::set_default_logger(logger);
  }
  void TearDown() override { spdlog::set_default_logger(previous_); }

  std::vector<std::string> lines() const { return lines_of(out_.str()); }

  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_ = spdlog::default_logger();
};

TEST_F(LoggingTest, JsonLineHasTimestampLevelMessageAndFields) {
  use(LogFormat::json);
  log::info({.conn_id = "conn-7f3a9c", .stream_key = "live/test"}, "publish accepted after {}ms",
            12);
  auto l = lines();
  ASSERT_EQ(l.size(), 1u);
  json::object obj = json::parse(l[0]).as_object();
  EXPECT_EQ(obj.size(), 5u) << l[0];
  EXPECT_TRUE(std::regex_match(std::string(obj.at("ts").as_string()),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << l[0];
  EXPECT_EQ(obj.at("level").as_string(), "info");
  EXPECT_EQ(obj.at("msg").as_string(), "publish accepted after 12ms");
  EXPECT_EQ(obj.at("conn_id").as_string(), "conn-7f3a9c");
  EXPECT_EQ(obj.at("stream_key").as_string(), "live/test");
  EXPECT_FALSE(obj.contains("remote_addr"));
  // Keys come in a fixed order: ts, level, msg, then fields.
  EXPECT_EQ(l[0].rfind("{\"ts\":\"", 0), 0u) << l[0];
}

TEST_F(LoggingTest, JsonPlainSpdlogLineHasNoFields) {
  use(LogFormat::json);
  spdlog::warn("listening on {}", ":1935");
  auto l = lines();
  ASSERT_EQ(l.size(), 1u);
  json::object obj = json::parse(l[0]).as_object();
  EXPECT_EQ(obj.size(), 3u) << l[0];
  EXPECT_EQ(obj.at("level").as_string(), "warn");
  EXPECT_EQ(obj.at("msg").as_string(), "listening on :1935");
}

TEST_F(LoggingTest, JsonEscapesClientDataIntoOneValidLine) {
  use(LogFormat::json);
  std::string key = "live/\"x\"\n\x1f\xff";  // quote, newline, our separator, bad UTF-8
  log::error({.stream_key = key, .remote_addr = "10.0.0.1:5000"}, "bad name {} \xc3\xa9\t\x01",
             key);
  auto l = lines();
  ASSERT_EQ(l.size(), 1u) << out_.str();
  json::object obj = json::parse(l[0]).as_object();
  EXPECT_EQ(obj.at("level").as_string(), "error");
  EXPECT_EQ(obj.at("stream_key").as_string(), "live/\"x\"??\xef\xbf\xbd");
  EXPECT_EQ(obj.at("remote_addr").as_string(), "10.0.0.1:5000");
  EXPECT_EQ(obj.at("msg").as_string(),
            "bad name live/\"x\"\n\x1f\xef\xbf\xbd \xc3\xa9\t\x01");  // é kept as is
  EXPECT_FALSE(obj.contains("conn_id"));
}

TEST_F(LoggingTest, LevelFilteringDropsLessSevereLines) {
  use(LogFormat::json, parse_log_level("warn"));
  log::debug({.conn_id = "c1"}, "debug line");
  log::info({.conn_id = "c1"}, "info line");
  spdlog::info("plain info line");
  log::warn({.conn_id = "c1"}, "warn line");
  log::error({.conn_id = "c1"}, "error line");
  auto l = lines();
  ASSERT_EQ(l.size(), 2u) << out_.str();
  EXPECT_EQ(json::parse(l[0]).at("msg").as_string(), "warn line");
  EXPECT_EQ(json::parse(l[1]).at("level").as_string(), "error");
}

TEST_F(LoggingTest, TextLineCarriesFieldsAsKeyValue) {
  use(LogFormat::text);
  log::info({.conn_id = "conn-1", .stream_key = "live/my key"}, "publish\nstart");
  spdlog::info("plain");
  auto l = lines();
  ASSERT_EQ(l.size(), 2u) << out_.str();
  EXPECT_TRUE(std::regex_match(
      l[0], std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info  conn_id=conn-1 )"
                       R"(stream_key="live/my key" publish\\nstart)")))
      << l[0];
  EXPECT_TRUE(std::regex_match(l[1], std::regex(R"(\S+Z info  plain)"))) << l[1];
}

TEST(LogOptions, ParsesLevelsAndFormats) {
  EXPECT_EQ(parse_log_level("debug"), spdlog::level::debug);
  EXPECT_EQ(parse_log_level("info"), spdlog::level::info);
  EXPECT_EQ(parse_log_level("warn"), spdlog::level::warn);
  EXPECT_EQ(parse_log_level("warning"), spdlog::level::warn);
  EXPECT_EQ(parse_log_level("error"), spdlog::level::err);
  EXPECT_THROW(parse_log_level("verbose"), std::invalid_argument);
  EXPECT_EQ(resolve_log_format("auto", true), LogFormat::text);
  EXPECT_EQ(resolve_log_format("auto", false), LogFormat::json);
  EXPECT_EQ(resolve_log_format("json", true), LogFormat::json);
  EXPECT_EQ(resolve_log_format("text", false), LogFormat::text);
  EXPECT_THROW(resolve_log_format("xml", false), std::invalid_argument);
}

TEST(LogFlags, RegistersLevelAndFormatWithChoices) {
  LogOptions options;
  FlagSet flags("test", "RTMP_LOGGING_TEST_");
  register_log_flags(flags, options);
  const char* argv[] = {"test", "-log-level", "debug", "--log-format=json"};
  ASSERT_TRUE(flags.parse(4, argv));
  EXPECT_EQ(options.level, "debug");
  EXPECT_EQ(options.format, "json");

  LogOptions defaults;
  FlagSet flags2("test", "RTMP_LOGGING_TEST_");
  register_log_flags(flags2, defaults);
  const char* none[] = {"test"};
  ASSERT_TRUE(flags2.parse(1, none));
  EXPECT_EQ(defaults.level, "info");
  EXPECT_EQ(defaults.format, "auto");

  LogOptions bad;
  FlagSet flags3("test", "RTMP_LOGGING_TEST_");
  register_log_flags(flags3, bad);
  const char* wrong[] = {"test", "-log-level", "loud"};
  EXPECT_THROW(flags3.parse(3, wrong), FlagError);
}

// The real path: async logger to stdout, drained by shutdown_logging.
TEST(InitLogging, WritesJsonLinesToStdoutAndDrainsOnShutdown) {
  auto previous = spdlog::default_logger();
  testing::internal::CaptureStdout();
  init_logging(LogOptions{"info", "json"});
  for (int i = 0; i < 100; ++i) log::info({.conn_id = "conn-x"}, "line {}", i);
  log::debug({.conn_id = "conn-x"}, "filtered");
  shutdown_logging();
  spdlog::info("after shutdown");  // a synchronous logger took over
  std::string out = testing::internal::GetCapturedStdout();
  spdlog::set_default_logger(previous);

  auto l = lines_of(out);
  ASSERT_EQ(l.size(), 101u) << out;
  for (int i = 0; i < 100; ++i) {
    json::object obj = json::parse(l[i]).as_object();
    EXPECT_EQ(obj.at("msg").as_string(), "line " + std::to_string(i));
    EXPECT_EQ(obj.at("conn_id").as_string(), "conn-x");
  }
  EXPECT_EQ(json::parse(l[100]).at("msg").as_string(), "after shutdown");
}

}  // namespace
}  // namespace rtmp::common
