#include "dispatcher/stdio_sink.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <limits.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

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
    EXPECT_EQ(sink.write(e, json), 0u);
    expected += json + "\n";
  }
  EXPECT_EQ(sink.flush(), 0u);
  ::close(p[1]);
  EXPECT_EQ(drain(p[0]), expected);
  ::close(p[0]);
}

TEST(StdioSink, EnvWritesTheScriptEnvAsShellAssignments) {
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  StdioSink sink("env", p[1]);
  const auto e = event(9);
  EXPECT_EQ(sink.write(e, common::render_json(e)), 0u);
  EXPECT_EQ(sink.flush(), 0u);
  ::close(p[1]);
  EXPECT_EQ(drain(p[0]), common::render_env(e) + "\n");
  ::close(p[0]);
}

TEST(StdioSink, OffWritesNothing) {
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
  StdioSink sink("", p[1]);
  EXPECT_FALSE(sink.enabled());
  EXPECT_EQ(sink.write(event(1), "{}"), 0u);
  EXPECT_EQ(sink.flush(), 0u);
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
  EXPECT_EQ(sink.write(event(1), "{}"), 0u);  // gathered, not written yet
  EXPECT_EQ(sink.write(event(2), "{}"), 0u);
  EXPECT_EQ(sink.flush(), 2u);  // both lines of the failed write
  ::close(p[1]);
}

// Each write() of a SOCK_SEQPACKET socket arrives as one record, so the test
// sees exactly what each system call carried.
std::vector<std::string> records(int fd) {
  std::vector<std::string> out;
  std::string buf(1 << 20, '\0');
  ssize_t n;
  while ((n = ::recv(fd, buf.data(), buf.size(), MSG_DONTWAIT)) > 0)
    out.emplace_back(buf.data(), static_cast<size_t>(n));
  return out;
}

TEST(StdioSink, GathersWholeLinesIntoWritesThatAPipeTakesInOnePiece) {
  int s[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, s), 0);
  StdioSink sink("json", s[1]);
  // Few enough that every record fits the socket's buffer before the test reads.
  constexpr size_t kLines = 60;
  std::string expected;
  for (uint64_t seq = 1; seq <= kLines; ++seq) {
    const auto e = event(seq);
    // Every seventh line is longer than a pipe takes at once.
    const std::string json = seq % 7 == 0 ? "{\"pad\":\"" + std::string(PIPE_BUF + seq, 'x') + "\"}"
                                          : common::render_json(e);
    EXPECT_EQ(sink.write(e, json), 0u);
    expected += json + "\n";
  }
  EXPECT_EQ(sink.flush(), 0u);
  const auto writes = records(s[0]);
  std::string got;
  size_t lines = 0;
  for (const std::string& w : writes) {
    ASSERT_FALSE(w.empty());
    EXPECT_EQ(w.back(), '\n') << "a write ended inside a line";
    const auto in_write = static_cast<size_t>(std::count(w.begin(), w.end(), '\n'));
    if (w.size() > PIPE_BUF) {
      EXPECT_EQ(in_write, 1u) << "a long line shared its write";
    }
    lines += in_write;
    got += w;
  }
  EXPECT_EQ(got, expected);
  EXPECT_EQ(lines, kLines);
  EXPECT_LT(writes.size(), kLines / 2) << "lines were not gathered";
  ::close(s[0]);
  ::close(s[1]);
}

TEST(StdioSink, HoldsLinesUntilFlushWhileTheyFit) {
  int s[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, s), 0);
  StdioSink sink("json", s[1]);
  const auto e = event(1);
  const auto json = common::render_json(e);
  EXPECT_EQ(sink.write(e, json), 0u);
  EXPECT_EQ(sink.write(e, json), 0u);
  EXPECT_TRUE(records(s[0]).empty());
  EXPECT_EQ(sink.flush(), 0u);
  EXPECT_EQ(records(s[0]), std::vector<std::string>{json + "\n" + json + "\n"});
  EXPECT_EQ(sink.flush(), 0u);  // nothing left: no empty write
  EXPECT_TRUE(records(s[0]).empty());
  ::close(s[0]);
  ::close(s[1]);
}

}  // namespace
}  // namespace rtmp::dispatcher
