// headers.h: the VLAN tag operations keep the key and layout in step with the frame (checked
// against a fresh parse of the result), and the incremental checksum equals a full one.
#include "dataplane/headers.h"

#include <gtest/gtest.h>
#include <rte_mbuf.h>

#include <vector>

#include "dataplane/mbuf_key.h"
#include "tests/testlib/eal_environment.h"
#include "tests/testlib/packet_builder.h"

namespace sluice::dp {
namespace {

using test::PacketBuilder;
using test::test_pool;

struct Parsed {
  FlowKey key;
  PacketLayout layout;
};
Parsed parse(const rte_mbuf* m) {
  Parsed p;
  mbuf_key(m, 1, p.key, p.layout);
  return p;
}

void expect_same(const Parsed& kept, const rte_mbuf* m, const char* what) {
  const Parsed fresh = parse(m);
  EXPECT_TRUE(kept.key == fresh.key) << what << ": key";
  EXPECT_EQ(kept.layout.tags, fresh.layout.tags) << what;
  EXPECT_EQ(kept.layout.l3, fresh.layout.l3) << what;
  EXPECT_EQ(kept.layout.l4, fresh.layout.l4) << what;
  EXPECT_EQ(kept.layout.ihl_ok, fresh.layout.ihl_ok) << what;
}

PacketBuilder tcp_frame() {
  return PacketBuilder()
      .eth(test::mac_n(2), test::mac_n(1))
      .ipv4(test::ip("10.0.0.1"), test::ip("10.0.0.2"))
      .tcp(1000, 80)
      .payload(20);
}

class HeadersTest : public ::testing::Test {
 protected:
  void SetUp() override { in_use_ = test::mbufs_in_use(); }
  void TearDown() override { EXPECT_EQ(test::mbufs_in_use(), in_use_) << "mbuf leak"; }
  unsigned in_use_ = 0;
};

TEST_F(HeadersTest, PopAndPushKeepKeyAndLayoutInStep) {
  rte_mbuf* m = tcp_frame().vlan(300, 5).vlan(7).build(test_pool());
  ASSERT_NE(m, nullptr);
  Parsed p = parse(m);
  ASSERT_EQ(p.layout.tags, 2);
  ASSERT_EQ(p.key.vlan_vid, of::kVidPresent | 300);

  pop_vlan(m, p.key, p.layout);
  EXPECT_EQ(p.key.vlan_vid, of::kVidPresent | 7);  // the inner tag is the outer one now
  expect_same(p, m, "after one pop");
  pop_vlan(m, p.key, p.layout);
  EXPECT_EQ(p.key.vlan_vid, 0);
  expect_same(p, m, "after two pops");
  pop_vlan(m, p.key, p.layout);  // untagged: nothing to do
  expect_same(p, m, "after a pop of nothing");
  EXPECT_EQ(test::frame_bytes(m), tcp_frame().bytes());

  ASSERT_TRUE(push_vlan(m, p.key, p.layout, kTpidVlan));
  // A new outermost tag of VID 0: present for OpenFlow (a set_field of vlan_vid usually
  // follows), where a parse of such a frame from the wire reads a priority tag.
  EXPECT_EQ(p.key.vlan_vid, of::kVidPresent);
  p.key.vlan_vid = 0;
  expect_same(p, m, "after a push");
  rte_pktmbuf_free(m);
}

TEST_F(HeadersTest, PushCopiesTheCoveredTagAndFailsWithoutHeadroom) {
  rte_mbuf* m = tcp_frame().vlan(42, 3).build(test_pool());
  ASSERT_NE(m, nullptr);
  Parsed p = parse(m);
  ASSERT_TRUE(push_vlan(m, p.key, p.layout, kTpidQinQ));
  const std::vector<uint8_t> b = test::frame_bytes(m);
  EXPECT_EQ(rd16(b.data() + 12), kTpidQinQ);
  EXPECT_EQ(rd16(b.data() + 14), rd16(b.data() + 18));  // VID and PCP of the covered tag
  expect_same(p, m, "after a push over a tag");

  rte_pktmbuf_prepend(m, rte_pktmbuf_headroom(m));  // no headroom left
  const std::vector<uint8_t> before = test::frame_bytes(m);
  Parsed q = parse(m);
  const Parsed unchanged = q;
  EXPECT_FALSE(push_vlan(m, q.key, q.layout, kTpidVlan));
  EXPECT_EQ(test::frame_bytes(m), before);
  EXPECT_TRUE(q.key == unchanged.key);
  EXPECT_EQ(q.layout.l3, unchanged.layout.l3);
  rte_pktmbuf_free(m);
}

TEST_F(HeadersTest, StripPriorityTagOnlyStripsVidZero) {
  rte_mbuf* m = tcp_frame().vlan(0, 6).build(test_pool());
  ASSERT_NE(m, nullptr);
  Parsed p = parse(m);
  EXPECT_TRUE(strip_priority_tag(m, p.layout));
  expect_same(p, m, "after stripping a priority tag");
  EXPECT_EQ(test::frame_bytes(m), tcp_frame().bytes());
  EXPECT_FALSE(strip_priority_tag(m, p.layout));  // untagged now
  rte_pktmbuf_free(m);

  rte_mbuf* tagged = tcp_frame().vlan(9).build(test_pool());
  ASSERT_NE(tagged, nullptr);
  Parsed t = parse(tagged);
  EXPECT_FALSE(strip_priority_tag(tagged, t.layout));
  expect_same(t, tagged, "a real tag stays");
  rte_pktmbuf_free(tagged);
}

// The one's-complement sum of a header, as a full recomputation gives it.
uint16_t full_checksum(std::vector<uint8_t> h, size_t csum_at) {
  h[csum_at] = h[csum_at + 1] = 0;
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < h.size(); i += 2) sum += rd16(h.data() + i);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

TEST(Checksum, IncrementalUpdateEqualsAFullOne) {
  std::vector<uint8_t> ip = {0x45, 0x00, 0x00, 0x54, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06,
                             0x00, 0x00, 10,   0,    0,    1,    10,   0,    0,    2};
  wr16(ip.data() + 10, full_checksum(ip, 10));
  for (uint32_t to : {0x0a000063u, 0xc0a80101u, 0xffffffffu, 0u}) {
    const uint32_t from = rd32(ip.data() + 16);
    wr32(ip.data() + 16, to);
    csum_replace32(ip.data() + 10, from, to);
    EXPECT_EQ(rd16(ip.data() + 10), full_checksum(ip, 10)) << std::hex << to;
  }
}

}  // namespace
}  // namespace sluice::dp
