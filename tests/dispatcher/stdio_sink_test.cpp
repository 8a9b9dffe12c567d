#include "dispatcher/stdio_sink.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "common/payload.hpp"

namespace rtmp::dispatcher {
namespace {

rtmphooks::Event event(uint64_t seq) {
  rtmphooks::Event e;
  e.set_type(rtmphooks::PLAY_STOP);
  e.set_timestamp(1705312222);
  e.set_conn_id("conn-1");
  e.set_stream_key("live/test");
  e.set_id("evt-" + std::to_string(seq));
  e.set_seq(seq);
  e.mutable_play_stop()->set_duration_sec(1.5);
  return e;
}

std::string drain(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

TEST(StdioSink, JsonWritesTheRenderedPayloadOnePerLineInOrder) {
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  StdioSink sink("json", p[1]);
  std::string expected;
  for (uint64_t s = 1; s <= 3; ++s) {
    const auto e = event(s);
    const auto json = common::render_json(e);
    EXPECT_TRUE(sink.write(e, json));
    expected += json + "\n";
  }
  ::close(p[1]);
  EXPECT_EQ(drain(p[0]), expected);
  ::close(p[0]);
}

TEST(StdioSink, EnvWritesTheScriptEnvAsShellAssignments) {
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  StdioSink sink("env", p[1]);
  const auto e = event(9);
  EXPECT_TRUE(sink.write(e, common::render_json(e)));
  ::close(p[1]);
  EXPECT_EQ(drain(p[0]), common::render_env(e) + "\n");
  ::close(p[0]);
}

TEST(StdioSink, OffWritesNothing) {
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
  StdioSink sink("", p[1]);
  EXPECT_FALSE(sink.enabled());
  EXPECT_TRUE(sink.write(event(1), "{}"));
  ::close(p[1]);
  EXPECT_EQ(drain(p[0]), "");
  ::close(p[0]);
}

TEST(StdioSink, ClosedReaderIsAFailureNotACrash) {
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  ::close(p[0]);
  signal(SIGPIPE, SIG_IGN);
  StdioSink sink("json", p[1]);
  EXPECT_FALSE(sink.write(event(1), "{}"));
  ::close(p[1]);
}

}  // namespace
}  // namespace rtmp::dispatcher
