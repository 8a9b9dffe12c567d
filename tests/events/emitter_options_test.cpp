#include "ingest/events/emitter_options.hpp"

#include <gtest/gtest.h>

namespace rtmp::events {
namespace {

TEST(EmitterOptions, Defaults) {
  common::FlagSet flags("rtmp-ingest", "RTMP_INGEST_TEST_EVENTS_");
  EmitterOptions opts;
  register_event_flags(flags, opts);
  const char* argv[] = {"rtmp-ingest"};
  ASSERT_TRUE(flags.parse(1, argv));
  EXPECT_TRUE(opts.bind_endpoints.empty());
  EXPECT_EQ(opts.buffer_capacity, 100000);
  EXPECT_EQ(opts.linger, std::chrono::seconds(2));
}

TEST(EmitterOptions, Parses) {
  common::FlagSet flags("rtmp-ingest", "RTMP_INGEST_TEST_EVENTS_");
  EmitterOptions opts;
  register_event_flags(flags, opts);
  const char* argv[] = {"rtmp-ingest",      "-events-bind",    "tcp://0.0.0.0:5556",
                        "-events-buffer=0", "--events-linger", "500ms"};
  ASSERT_TRUE(flags.parse(6, argv));
  EXPECT_EQ(opts.bind_endpoints, std::vector<std::string>{"tcp://0.0.0.0:5556"});
  EXPECT_EQ(opts.buffer_capacity, 0);
  EXPECT_EQ(opts.linger, std::chrono::milliseconds(500));
}

TEST(EmitterOptions, RejectsBadValues) {
  // A port over 65535 was bound cut to 16 bits (89538 as 24002); inproc://
  // is no endpoint another process can reach.
  for (const char* bad :
       {"-events-buffer=-1", "-events-bind=localhost:5556", "-events-bind=udp://1.2.3.4:5",
        "-events-bind=tcp://", "-events-bind=tcp://127.0.0.1:89538", "-events-bind=tcp://h:0",
        "-events-bind=inproc://rtmp-events", "-events-bind=tcp://:5556"}) {
    common::FlagSet flags("rtmp-ingest", "RTMP_INGEST_TEST_EVENTS_");
    EmitterOptions opts;
    register_event_flags(flags, opts);
    const char* argv[] = {"rtmp-ingest", bad};
    EXPECT_THROW(flags.parse(2, argv), common::FlagError) << bad;
  }
}

}  // namespace
}  // namespace rtmp::events
