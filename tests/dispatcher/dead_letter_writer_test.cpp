#include "dispatcher/dead_letter_writer.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace rtmp::dispatcher {
namespace {

std::string temp_path() {
  char tmpl[] = "/tmp/dead-letter-test-XXXXXX";
  const int fd = ::mkstemp(tmpl);
  ::close(fd);
  ::unlink(tmpl);
  return tmpl;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

DeadLetter letter(int i) {
  DeadLetter d;
  d.time = "2026-12-06T11:30:00.000Z";
  d.kind = "script";
  d.target = "/bin/false";
  d.event_id = "evt-x-" + std::to_string(i);
  d.event_type = "play_start";
  d.attempts = 1;
  d.error = "exit status 1";
  d.payload = R"({"type":"play_start","id":")" + d.event_id + R"("})";
  return d;
}

TEST(DeadLetterWriter, AppendsWholeLinesFromManyThreads) {
  const std::string path = temp_path();
  {
    DeadLetterWriter w(path);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&w, t] {
        for (int i = 0; i < 200; ++i) w.add(letter(t * 1000 + i));
      });
    for (auto& t : threads) t.join();
    w.stop();
    EXPECT_EQ(w.written(), 800u);
    EXPECT_EQ(w.dropped(), 0u);
  }
  const auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 800u);
  std::string why;
  for (const auto& l : lines) EXPECT_TRUE(parse_dead_letter(l, why)) << l;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // A second writer appends.
  {
    DeadLetterWriter w(path);
    w.add(letter(5));
  }
  EXPECT_EQ(read_lines(path).size(), 801u);
  ::unlink(path.c_str());
}

TEST(DeadLetterWriter, UnopenableFileIsAStartupError) {
  EXPECT_THROW(DeadLetterWriter("/nonexistent-dir/x.jsonl"), std::runtime_error);
}

TEST(DeadLetterWriter, AfterStopLettersAreCountedAsDropped) {
  const std::string path = temp_path();
  DeadLetterWriter w(path);
  w.stop();
  w.add(letter(1));
  EXPECT_EQ(w.dropped(), 1u);
  ::unlink(path.c_str());
}

}  // namespace
}  // namespace rtmp::dispatcher
