#include "ingest/protocol/control.hpp"

#include <gtest/gtest.h>

namespace rtmp::protocol {
namespace {

TEST(Control, UserControlReadsEventAndValue) {
  const auto uc = parse_user_control(make_user_control(UserControlEvent::kPingRequest, 0xA1B2C3D4));
  ASSERT_TRUE(uc);
  EXPECT_EQ(uc->event, static_cast<uint16_t>(UserControlEvent::kPingRequest));
  EXPECT_EQ(uc->value, 0xA1B2C3D4u);
  Message shortm = make_user_control(UserControlEvent::kStreamBegin, 1);
  shortm.payload.resize(5);
  EXPECT_FALSE(parse_user_control(shortm));
}

TEST(Control, WindowAckSizeNeedsFourBytes) {
  EXPECT_EQ(parse_window_ack_size(make_window_ack_size(2500000)), 2500000u);
  Message m = make_window_ack_size(1);
  m.payload.resize(3);
  EXPECT_FALSE(parse_window_ack_size(m));
}

TEST(Control, PeerBandwidthLimitTypeIsOptional) {
  auto bw = parse_set_peer_bandwidth(make_set_peer_bandwidth(5000000, 0));
  ASSERT_TRUE(bw);
  EXPECT_EQ(bw->size, 5000000u);
  EXPECT_EQ(bw->limit_type, 0u);
  Message m = make_set_peer_bandwidth(7, 0);
  m.payload.resize(4);
  bw = parse_set_peer_bandwidth(m);
  ASSERT_TRUE(bw);
  EXPECT_EQ(bw->size, 7u);
  EXPECT_EQ(bw->limit_type, 2u);
  m.payload.resize(3);
  EXPECT_FALSE(parse_set_peer_bandwidth(m));
}

TEST(Acknowledger, OnePerWindowOnlyOnceAWindowWasSet) {
  Acknowledger ack;
  EXPECT_FALSE(ack.due(1u << 30));  // no window announced: never
  ack.set_window(1000);
  EXPECT_FALSE(ack.due(999));
  EXPECT_EQ(ack.due(1500), 1500u);
  EXPECT_FALSE(ack.due(2499));
  EXPECT_EQ(ack.due(2500), 2500u);
  // Past 4 GiB the sequence number wraps as the 32-bit field does.
  EXPECT_EQ(ack.due(0x100000010ull), 0x10u);
}

}  // namespace
}  // namespace rtmp::protocol
