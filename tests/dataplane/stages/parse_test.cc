// ParseStage: Ethernet / 802.1Q header into PacketMeta, and its drop reasons.
#include "dataplane/stages/parse.h"

#include <gtest/gtest.h>
#include <rte_mbuf.h>

#include "tests/testlib/eal_environment.h"
#include "tests/testlib/harness.h"
#include "tests/testlib/packet_builder.h"

namespace sluice::dp {
namespace {

using test::Input;
using test::Outcome;
using test::PacketBuilder;
using test::test_pool;

class ParseTest : public ::testing::Test {
 protected:
  void SetUp() override { in_use_ = test::mbufs_in_use(); }
  void TearDown() override { EXPECT_EQ(test::mbufs_in_use(), in_use_) << "mbuf leak"; }

  Outcome run(rte_mbuf* m) {
    auto out = h_.run_stage(stage_, {Input{m, 0, {}}});
    return out.empty() ? Outcome{} : out[0];
  }
  static PacketBuilder frame() {
    return PacketBuilder()
        .eth(test::mac_n(2), test::mac_n(1))
        .ipv4(test::ip("10.0.0.1"), test::ip("10.0.0.2"))
        .udp(1000, 2000)
        .payload(18);
  }

  unsigned in_use_ = 0;
  test::Harness h_;
  ParseStage stage_;
};

TEST_F(ParseTest, Untagged) {
  const auto bytes = frame().bytes();
  Outcome o = run(frame().build(test_pool()));
  EXPECT_EQ(o.reason, "none");
  EXPECT_EQ(o.meta.tagged, 0);
  EXPECT_EQ(o.meta.priority_tagged, 0);
  EXPECT_EQ(o.meta.vid, 0);
  EXPECT_EQ(o.meta.ether_type, 0x0800);
  EXPECT_EQ(o.meta.len, bytes.size());
  EXPECT_EQ(o.bytes, bytes);  // parse never changes the frame
}

TEST_F(ParseTest, Tagged) {
  const auto bytes = frame().vlan(100, 5).bytes();
  Outcome o = run(frame().vlan(100, 5).build(test_pool()));
  EXPECT_EQ(o.reason, "none");
  EXPECT_EQ(o.meta.tagged, 1);
  EXPECT_EQ(o.meta.priority_tagged, 0);
  EXPECT_EQ(o.meta.vid, 100);            // PCP bits are not part of the VID
  EXPECT_EQ(o.meta.ether_type, 0x0800);  // the EtherType after the tag
  EXPECT_EQ(o.meta.len, bytes.size());
  EXPECT_EQ(o.bytes, bytes);
}

TEST_F(ParseTest, HighestUsableVid) {
  Outcome o = run(frame().vlan(4094).build(test_pool()));
  EXPECT_EQ(o.reason, "none");
  EXPECT_EQ(o.meta.vid, 4094);
}

TEST_F(ParseTest, PriorityTagCountsAsUntagged) {
  Outcome o = run(frame().vlan(0, 6).build(test_pool()));
  EXPECT_EQ(o.reason, "none");
  EXPECT_EQ(o.meta.tagged, 0);
  EXPECT_EQ(o.meta.priority_tagged, 1);
  EXPECT_EQ(o.meta.vid, 0);
  EXPECT_EQ(o.meta.ether_type, 0x0800);
}

TEST_F(ParseTest, ServiceTagIsAVlanTagAsInTheOpenFlowParser) {
  // 802.1ad (0x88a8) is a tag for both pipelines: the OpenFlow key reads it as one, so the
  // fast path must too (an access port then refuses it as tagged).
  Outcome o = run(frame().vlan(100, 0, 0x88a8).build(test_pool()));
  EXPECT_EQ(o.reason, "none");
  EXPECT_EQ(o.meta.tagged, 1);
  EXPECT_EQ(o.meta.vid, 100);
  EXPECT_EQ(o.meta.ether_type, 0x0800);
}

// VLAN hopping: a priority tag in front of a real tag would pass for untagged, enter the port's
// untagged VLAN and leave carrying the inner VID.
TEST_F(ParseTest, PriorityTagFollowedByAnotherTagIsDropped) {
  EXPECT_EQ(run(frame().vlan(0).vlan(200).build(test_pool())).reason, "double_tagged");
  EXPECT_EQ(run(frame().vlan(0, 5).vlan(200, 0, 0x88a8).build(test_pool())).reason, "double_tagged");
  EXPECT_EQ(run(frame().vlan(0, 0, 0x88a8).vlan(7).build(test_pool())).reason, "double_tagged");
  // A real outer tag with an inner one (QinQ on a trunk) is a tagged frame, not this.
  Outcome q = run(frame().vlan(100).vlan(200).build(test_pool()));
  EXPECT_EQ(q.reason, "none");
  EXPECT_EQ(q.meta.vid, 100);
  // A lone priority tag stays what it was.
  EXPECT_EQ(run(frame().vlan(0).build(test_pool())).reason, "none");
}

TEST_F(ParseTest, RuntShorterThanEthernetHeader) {
  for (size_t len : {0, 1, 12, 13}) {
    Outcome o = run(PacketBuilder().raw(std::vector<uint8_t>(len, 0x02)).build(test_pool()));
    EXPECT_EQ(o.reason, "runt") << len;
    EXPECT_EQ(o.meta.len, len);
  }
}

TEST_F(ParseTest, BareEthernetHeaderIsEnough) {
  Outcome o = run(frame().truncate(14).build(test_pool()));
  EXPECT_EQ(o.reason, "none");
  EXPECT_EQ(o.meta.ether_type, 0x0800);
}

TEST_F(ParseTest, RuntWhenHeaderIsNotInFirstSegment) {
  // 60 bytes in all, but only 10 in the first segment.
  rte_mbuf* m = frame().build_chain(test_pool(), 10);
  ASSERT_NE(m, nullptr);
  Outcome o = run(m);
  EXPECT_EQ(o.reason, "runt");
  EXPECT_EQ(o.meta.len, frame().bytes().size());
}

TEST_F(ParseTest, TruncatedVlan) {
  for (size_t len : {14, 15, 16, 17}) {
    Outcome o = run(frame().vlan(100).truncate(len).build(test_pool()));
    EXPECT_EQ(o.reason, "truncated_vlan") << len;
  }
  Outcome whole = run(frame().vlan(100).truncate(18).build(test_pool()));
  EXPECT_EQ(whole.reason, "none");
  EXPECT_EQ(whole.meta.vid, 100);
}

TEST_F(ParseTest, TruncatedVlanWhenTagIsSplitAcrossSegments) {
  rte_mbuf* m = frame().vlan(100).build_chain(test_pool(), 16);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(run(m).reason, "truncated_vlan");
}

// OFPC_FRAG_DROP must see a fragment whose IP header runs past the first segment, as the
// openflow stage (which reads the whole chain) does: before, the parse stage read the first
// segment only and let such a fragment through to be classified as one further on.
TEST_F(ParseTest, FragmentDropReadsPastTheFirstSegment) {
  std::vector<uint8_t> bytes = frame().bytes();
  bytes[14 + 6] = 0x20;  // MF, offset 0: a first fragment
  for (size_t first_len : {20, 34, 42}) {  // the fragment field in the second segment, or not
    rte_mbuf* m = PacketBuilder().raw(bytes).build_chain(test_pool(), first_len);
    ASSERT_NE(m, nullptr);
    PacketMeta meta;
    EXPECT_EQ(parse_frame(m, 1, meta, /*frag_drop=*/true), ParseDrop::kIpFragment) << first_len;
    EXPECT_EQ(parse_frame(m, 1, meta, /*frag_drop=*/false), ParseDrop::kNone) << first_len;
    rte_pktmbuf_free(m);
  }
}

TEST_F(ParseTest, ReservedVlan) {
  Outcome o = run(frame().vlan(4095).build(test_pool()));
  EXPECT_EQ(o.reason, "reserved_vlan");
}

TEST_F(ParseTest, EachPacketGetsItsOwnVerdict) {
  std::vector<Input> in = {
      {frame().build(test_pool()), 0, {}},
      {PacketBuilder().raw({1, 2, 3}).build(test_pool()), 0, {}},
      {frame().vlan(4095).build(test_pool()), 0, {}},
      {frame().vlan(7).build(test_pool()), 0, {}},
      {frame().vlan(100).truncate(16).build(test_pool()), 0, {}},
      {frame().vlan(0).build(test_pool()), 0, {}},
  };
  auto out = h_.run_stage(stage_, in);
  EXPECT_EQ(test::reasons(out), (std::vector<std::string>{"none", "runt", "reserved_vlan", "none",
                                                          "truncated_vlan", "none"}));
  ASSERT_EQ(out.size(), 6u);
  EXPECT_EQ(out[3].meta.vid, 7);
  EXPECT_EQ(out[5].meta.priority_tagged, 1);
}

TEST_F(ParseTest, DropReasonTable) {
  auto names = stage_.drop_reason_names();
  ASSERT_EQ(names.size(), 6u);
  EXPECT_STREQ(names[0], "none");
  EXPECT_EQ(stage_.name(), "parse");
}

}  // namespace
}  // namespace sluice::dp
