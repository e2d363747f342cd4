// --openflow-listen parsing and the loopback rule.
#include "controlplane/of_listen.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace sluice::cp {
namespace {

TEST(ListenAddress, ParsesIpv4AndIpv6) {
  auto a = parse_listen_address("127.0.0.1:6653");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 6653);
  EXPECT_FALSE(a->ipv6);
  EXPECT_TRUE(a->loopback());
  EXPECT_EQ(a->to_string(), "127.0.0.1:6653");

  auto b = parse_listen_address("[::1]:16653");
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->host, "::1");
  EXPECT_TRUE(b->ipv6);
  EXPECT_TRUE(b->loopback());
  EXPECT_EQ(b->to_string(), "[::1]:16653");

  EXPECT_TRUE(parse_listen_address("127.1.2.3:0")->loopback());
  EXPECT_FALSE(parse_listen_address("0.0.0.0:6653")->loopback());
  EXPECT_FALSE(parse_listen_address("192.0.2.1:6653")->loopback());
  EXPECT_FALSE(parse_listen_address("[::]:6653")->loopback());
}

TEST(ListenAddress, RejectsMalformedText) {
  for (const char* bad :
       {"", "6653", "127.0.0.1", "127.0.0.1:", "127.0.0.1:70000", "127.0.0.1:66x", "localhost:6653",
        "::1:6653", "[::1]6653", "[::1", "[nope]:1", "1.2.3:5"}) {
    auto r = parse_listen_address(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_NE(r.error().message.find('\''), std::string::npos) << r.error().message;
    }
  }
}

TEST(ListenAddress, ListensOnAnEphemeralPort) {
  auto addr = parse_listen_address("127.0.0.1:0");
  ASSERT_TRUE(addr);
  auto fd = open_listener(*addr);
  ASSERT_TRUE(fd) << fd.error().message;
  EXPECT_NE(local_port(*fd), 0);
  // The same port again is taken.
  ListenAddress again = *addr;
  again.port = local_port(*fd);
  auto second = open_listener(again);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("cannot listen on 127.0.0.1:"), std::string::npos)
      << second.error().message;
  ::close(*fd);
}

}  // namespace
}  // namespace sluice::cp
