#include "common/host_port.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace rtmp::common {
namespace {

TEST(HostPort, EveryAddress) {
  const HostPort any = parse_host_port(":1935");
  EXPECT_EQ(any.host, "");
  EXPECT_EQ(any.port, 1935);
}

TEST(HostPort, Ipv4AndNames) {
  const HostPort all = parse_host_port("0.0.0.0:1935");
  EXPECT_EQ(all.host, "0.0.0.0");
  EXPECT_EQ(all.port, 1935);
  const HostPort local = parse_host_port("127.0.0.1:0");
  EXPECT_EQ(local.host, "127.0.0.1");
  EXPECT_EQ(local.port, 0);
  const HostPort name = parse_host_port("localhost:80");
  EXPECT_EQ(name.host, "localhost");
  EXPECT_EQ(name.port, 80);
}

TEST(HostPort, BracketedIpv6) {
  const HostPort v6 = parse_host_port("[::1]:65535");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 65535);
  EXPECT_EQ(parse_host_port("[::]:1935").host, "::");
  EXPECT_EQ(parse_host_port("[fe80::1%eth0]:1").host, "fe80::1%eth0");
}

// Each bad address names what is wrong, in words a user can act on.
TEST(HostPort, ClearErrors) {
  const struct {
    const char* address;
    const char* says;
  } cases[] = {
      {"1935", "missing port"},     {"", "missing port"},
      {"host", "missing port"},     {":", "bad port \"\""},
      {":65536", "bad port"},       {":-1", "bad port"},
      {":+1", "bad port"},          {":9x", "bad port \"9x\""},
      {"::1:80", "needs brackets"}, {"[::1]80", "missing :port after ']'"},
      {"[::1", "unclosed '['"},     {"[]:80", "empty address"},
      {"[::1]:", "bad port"},       {"host:99999999999", "bad port"},
  };
  for (const auto& c : cases) {
    try {
      parse_host_port(c.address);
      ADD_FAILURE() << c.address << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(c.says), std::string::npos)
          << c.address << ": " << e.what();
    }
  }
}

TEST(HostPort, Ipv6LiteralEndpoints) {
  EXPECT_TRUE(has_ipv6_literal({"tcp://[::1]:5556"}));
  EXPECT_TRUE(has_ipv6_literal({"tcp://127.0.0.1:5556", "tcp://[2001:db8::5]:5556"}));
  EXPECT_FALSE(has_ipv6_literal({"tcp://127.0.0.1:5556", "tcp://localhost:5556"}));
  EXPECT_FALSE(has_ipv6_literal({"ipc:///tmp/[x]", "inproc://events"}));
  EXPECT_FALSE(has_ipv6_literal({}));
}

}  // namespace
}  // namespace rtmp::common
