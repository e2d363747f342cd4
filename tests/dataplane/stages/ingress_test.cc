// IngressStage (table 0): bridge domain per port and VLAN form, tag stripping, drops, and the
// table-0 flow counters. Tables come from real FLOW_MODs (TablesBuilder).
#include "dataplane/stages/ingress.h"

#include <gtest/gtest.h>

#include "tests/testlib/eal_environment.h"
#include "tests/testlib/harness.h"
#include "tests/testlib/of_builders.h"
#include "tests/testlib/packet_builder.h"

namespace sluice::dp {
namespace {

using test::Input;
using test::Outcome;
using test::PacketBuilder;
using test::test_pool;

// Slots 0..4 hold OpenFlow ports 1..5:
//   slot 0 (port 1): access VLAN 100
//   slot 1 (port 2): trunk 100, 200, native 300
//   slot 2 (port 3): trunk 100 (no native)
//   slot 3 (port 4): no table-0 flows
//   slot 4 (port 5): access VLAN 100, administratively down
class IngressTest : public ::testing::Test {
 protected:
  void SetUp() override {
    in_use_ = test::mbufs_in_use();
    for (uint16_t s = 0; s < 5; ++s) h_.add_port(s, s + 1u);
    h_.ports()[4].admin_up = false;
    b_.access(1, 100).trunk(2, {100, 200}, 300).trunk(3, {100}).access(5, 100);
    h_.install(b_);
  }
  void TearDown() override { EXPECT_EQ(test::mbufs_in_use(), in_use_) << "mbuf leak"; }

  static PacketBuilder frame() {
    return PacketBuilder().eth(test::mac_n(2), test::mac_n(1)).ether_type(0x88b5).payload(46);
  }
  Outcome run(uint16_t slot, const PacketBuilder& p) {
    auto out = h_.run_stage(stage_, {Input{p.build(test_pool()), slot, {}}});
    return out.empty() ? Outcome{} : out[0];
  }

  unsigned in_use_ = 0;
  test::Harness h_;
  test::TablesBuilder b_;
  IngressStage stage_;
};

TEST_F(IngressTest, AccessPortUntaggedGetsItsVlan) {
  Outcome o = run(0, frame());
  EXPECT_EQ(o.reason, "none");
  EXPECT_EQ(o.meta.bd, 100);
  EXPECT_EQ(o.bytes, frame().bytes());  // nothing to strip
}

TEST_F(IngressTest, AccessPortPriorityTaggedIsStrippedAndAccepted) {
  Outcome o = run(0, PacketBuilder(frame()).vlan(0, 3));
  EXPECT_EQ(o.reason, "none");
  EXPECT_EQ(o.meta.bd, 100);
  EXPECT_EQ(o.bytes, frame().bytes());
}

TEST_F(IngressTest, AccessPortRefusesTaggedFrames) {
  Outcome o = run(0, PacketBuilder(frame()).vlan(100));
  EXPECT_EQ(o.reason, "vlan_not_allowed");
  EXPECT_EQ(o.bytes, PacketBuilder(frame()).vlan(100).bytes());  // a dropped frame is untouched
}

TEST_F(IngressTest, TrunkAllowedVlanIsStripped) {
  Outcome o = run(1, PacketBuilder(frame()).vlan(200, 5));
  EXPECT_EQ(o.reason, "none");
  EXPECT_EQ(o.meta.bd, 200);
  EXPECT_EQ(o.bytes, frame().bytes());
  EXPECT_EQ(o.meta.len, frame().bytes().size() + 4);  // len stays the length at ingress
}

TEST_F(IngressTest, TrunkNativeVlanForUntagged) {
  Outcome o = run(1, frame());
  EXPECT_EQ(o.reason, "none");
  EXPECT_EQ(o.meta.bd, 300);
  Outcome p = run(1, PacketBuilder(frame()).vlan(0));
  EXPECT_EQ(p.reason, "none");
  EXPECT_EQ(p.meta.bd, 300);
  EXPECT_EQ(p.bytes, frame().bytes());
}

TEST_F(IngressTest, TrunkRefusesOtherTaggedVlans) {
  EXPECT_EQ(run(1, PacketBuilder(frame()).vlan(101)).reason, "vlan_not_allowed");
  EXPECT_EQ(run(1, PacketBuilder(frame()).vlan(4094)).reason, "vlan_not_allowed");
}

TEST_F(IngressTest, TrunkAcceptsItsNativeVlanTaggedToo) {
  Outcome o = run(1, PacketBuilder(frame()).vlan(300));
  EXPECT_EQ(o.reason, "none");
  EXPECT_EQ(o.meta.bd, 300);
  EXPECT_EQ(o.bytes, frame().bytes());
}

TEST_F(IngressTest, TrunkWithoutNativeRefusesUntagged) {
  EXPECT_EQ(run(2, frame()).reason, "vlan_not_allowed");
  EXPECT_EQ(run(2, PacketBuilder(frame()).vlan(0)).reason, "vlan_not_allowed");
  EXPECT_EQ(run(2, PacketBuilder(frame()).vlan(100)).reason, "none");
}

TEST_F(IngressTest, PortWithoutFlowsIsNotConfigured) {
  EXPECT_EQ(run(3, frame()).reason, "port_not_configured");
  EXPECT_EQ(run(3, PacketBuilder(frame()).vlan(100)).reason, "port_not_configured");
}

TEST_F(IngressTest, EmptyTablesDropEverythingAsNotConfigured) {
  test::Harness fresh;
  fresh.add_port(0, 1);
  auto out = fresh.run_stage(stage_, {Input{frame().build(test_pool()), 0, {}}});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].reason, "port_not_configured");
}

TEST_F(IngressTest, AdminDownPortDrops) { EXPECT_EQ(run(4, frame()).reason, "port_down"); }

TEST_F(IngressTest, FlowCountersCountAcceptedFrames) {
  const uint32_t access = b_.ingress_counter(1, 0);
  const uint32_t trunk200 = b_.ingress_counter(2, of::kVidPresent | 200);
  const uint32_t native = b_.ingress_counter(2, 0);
  const size_t len = frame().bytes().size();
  std::vector<Input> in = {
      {frame().build(test_pool()), 0, {}},
      {frame().build(test_pool()), 0, {}},
      {PacketBuilder(frame()).vlan(200).build(test_pool()), 1, {}},
      {PacketBuilder(frame()).vlan(201).build(test_pool()), 1, {}},  // dropped: not counted
      {PacketBuilder(frame()).vlan(100).build(test_pool()), 0, {}},  // dropped: not counted
  };
  auto out = h_.run_stage(stage_, in);
  EXPECT_EQ(test::reasons(out), (std::vector<std::string>{"none", "none", "none",
                                                          "vlan_not_allowed", "vlan_not_allowed"}));
  EXPECT_EQ(h_.flow_packets(access), 2u);
  EXPECT_EQ(h_.flow_bytes(access), 2 * len);
  EXPECT_EQ(h_.flow_packets(trunk200), 1u);
  EXPECT_EQ(h_.flow_bytes(trunk200), len + 4);  // counted with the tag, as received
  EXPECT_EQ(h_.flow_packets(native), 0u);
}

TEST_F(IngressTest, FlowStatisticsSeeTheWorkerCounters) {
  // The same counters, read back through FlowStore::stats as a FLOW multipart reply would.
  test::Harness h;
  h.add_port(0, 1);
  test::TablesBuilder b(64, &h.counters());
  b.access(1, 100);
  h.install(b);
  h.run_stage(stage_,
              {Input{frame().build(test_pool()), 0, {}}, Input{frame().build(test_pool()), 0, {}}});
  of::FlowStatsRequest req;
  req.table_id = 0;
  auto stats = b.store().stats(req);
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].packet_count, 2u);
  EXPECT_EQ(stats[0].byte_count, 2 * frame().bytes().size());
}

TEST_F(IngressTest, DropReasonTable) {
  auto names = stage_.drop_reason_names();
  ASSERT_EQ(names.size(), 4u);
  EXPECT_STREQ(names[static_cast<size_t>(IngressDrop::kVlanNotAllowed)], "vlan_not_allowed");
}

}  // namespace
}  // namespace sluice::dp
