// compile(): FlowStore contents + live ports → Tables (ingress per port and VLAN form, bridge
// domains with flood members, per-port egress encapsulation) and static MACs. Everything goes
// through real FLOW_MOD / GROUP_MOD messages (TablesBuilder).
#include "dataplane/compiler.h"

#include <gtest/gtest.h>

#include "dataplane/mac_table.h"
#include "tests/testlib/of_builders.h"
#include "tests/testlib/tables_builder.h"

namespace sluice::dp {
namespace {

using namespace sluice::test;  // NOLINT: message factories

class CompilerTest : public ::testing::Test {
 protected:
  // Slot s holds OpenFlow port 10 + s (slots and port numbers differ on purpose).
  void add_port(uint16_t slot) {
    ports_[slot].active = true;
    ports_[slot].of_port = 10u + slot;
    ports_[slot].dpdk_port = static_cast<uint16_t>(slot + 40);
  }
  static uint32_t of(uint16_t slot) { return 10u + slot; }
  void SetUp() override {
    for (uint16_t s : {1, 2, 3, 5}) add_port(s);
  }
  std::array<PortRuntime, kMaxPorts> ports_{};
};

TEST_F(CompilerTest, EmptyStoreGivesPortsOnly) {
  TablesBuilder b;
  Compiled c = b.compile(ports_);
  ASSERT_NE(c.tables, nullptr);
  EXPECT_EQ(c.tables->active_slots, (std::vector<uint16_t>{1, 2, 3, 5}));
  EXPECT_EQ(c.tables->ports[2].dpdk_port, 42);
  EXPECT_EQ(c.tables->ports[2].of_port, 12u);
  EXPECT_FALSE(c.tables->ingress[1].configured);
  EXPECT_TRUE(c.tables->bds.empty());
  EXPECT_EQ(c.tables->bridge_domain(100), nullptr);
  EXPECT_EQ(c.tables->egress_of(1, 100), kEgressNone);
  EXPECT_TRUE(c.statics.empty());
}

TEST_F(CompilerTest, VersionIsPassedThrough) {
  TablesBuilder b;
  FlowStore& s = b.store();
  EXPECT_EQ(compile(s, ports_, 77).tables->version, 77u);
}

// A Compiler recompiles from nothing only the first time and after a group, port or
// learning-table change; otherwise only the flows that changed, sharing the rest: an untouched
// table's classifier shards are the previous version's own.
TEST_F(CompilerTest, IncrementalUnlessGroupsPortsOrTheLearningTableChange) {
  FlowStore store(4096, [](uint32_t) { return FlowTotals{}; });
  ASSERT_TRUE(store.set_learning_table(of::kNoLearningTable));
  auto ip_flow = [](uint8_t table, uint32_t dst) {
    of::FlowMod fm;
    fm.table_id = table;
    fm.priority = 100;
    fm.match.present = of::field_bit(of::Field::kEthType) | of::field_bit(of::Field::kIpv4Dst);
    fm.match.eth_type = 0x0800;
    fm.match.ipv4_dst = dst;
    of::Action out;
    out.type = of::ActionType::kOutput;
    out.port = of(1);
    fm.instructions.present = of::instr::kApplyActions;
    fm.instructions.apply_actions.push(out);
    return fm;
  };
  for (uint32_t i = 0; i < 2000; ++i) ASSERT_TRUE(store.apply(ip_flow(0, 0x0a000000 + i)));
  ASSERT_TRUE(store.apply(ip_flow(1, 0x0b000000)));
  Compiler c;
  const Compiled first = c.compile(store, ports_, 1, store.take_changes());
  EXPECT_TRUE(first.full);
  ASSERT_EQ(first.tables->program->tables.size(), 2u);

  ASSERT_TRUE(store.apply(ip_flow(1, 0x0b000001)));
  const Compiled second = c.compile(store, ports_, 2, store.take_changes());
  EXPECT_FALSE(second.full);
  const Classifier& t0_before = first.tables->program->tables[0].classifier;
  const Classifier& t0_after = second.tables->program->tables[0].classifier;
  EXPECT_EQ(t0_after.shared_shards(t0_before), t0_before.shard_count()) << "table 0 was rebuilt";
  EXPECT_EQ(second.tables->program->tables[1].classifier.rule_count(), 2u);

  of::GroupMod g = group_mod(of::GroupModCommand::kAdd, 7, {bucket(of(2))});
  ASSERT_TRUE(store.apply(g));
  EXPECT_TRUE(c.compile(store, ports_, 3, store.take_changes()).full) << "a group changed";
  EXPECT_FALSE(c.compile(store, ports_, 4, store.take_changes()).full) << "nothing changed";
  add_port(6);
  EXPECT_TRUE(c.compile(store, ports_, 5, store.take_changes()).full) << "a port came";
  const Compiled last = c.compile(store, ports_, 6, store.take_changes());
  EXPECT_FALSE(last.full);
  EXPECT_EQ(last.tables->program->tables[0].classifier.rule_count(), 2000u);
}

TEST_F(CompilerTest, AccessPortIngress) {
  TablesBuilder b;
  b.access(of(1), 100);
  Compiled c = b.compile(ports_);
  const IngressPort& in = c.tables->ingress[1];
  EXPECT_TRUE(in.configured);
  EXPECT_EQ(in.untagged.bd, 100);
  EXPECT_EQ(in.untagged.flow, b.ingress_counter(of(1), 0));
  EXPECT_TRUE(in.tagged.empty());  // no tagged VLAN accepted
  EXPECT_FALSE(c.tables->ingress[2].configured);
}

TEST_F(CompilerTest, TrunkPortIngressWithNative) {
  TablesBuilder b;
  b.trunk(of(2), {100, 200}, 300);
  Compiled c = b.compile(ports_);
  const IngressPort& in = c.tables->ingress[2];
  EXPECT_TRUE(in.configured);
  ASSERT_EQ(in.tagged.size(), kVlanCount);
  EXPECT_EQ(in.tagged[100].bd, 100);
  EXPECT_EQ(in.tagged[100].flow, b.ingress_counter(of(2), of::kVidPresent | 100));
  EXPECT_EQ(in.tagged[200].bd, 200);
  EXPECT_EQ(in.tagged[300].bd, 300);  // the native VLAN is accepted tagged too
  EXPECT_EQ(in.tagged[300].flow, b.ingress_counter(of(2), of::kVidPresent | 300));
  EXPECT_EQ(in.tagged[101].bd, 0);
  EXPECT_EQ(in.untagged.bd, 300);
  EXPECT_EQ(in.untagged.flow, b.ingress_counter(of(2), 0));
}

TEST_F(CompilerTest, TrunkWithoutNativeRefusesUntagged) {
  TablesBuilder b;
  b.trunk(of(2), {100});
  Compiled c = b.compile(ports_);
  EXPECT_TRUE(c.tables->ingress[2].configured);
  EXPECT_EQ(c.tables->ingress[2].untagged.bd, 0);
}

TEST_F(CompilerTest, FloodMembersAndEgressPerPort) {
  TablesBuilder b;
  b.access(of(1), 100).trunk(of(2), {100, 200}, 300).access(of(3), 200);
  Compiled c = b.compile(ports_);
  const Tables& t = *c.tables;

  const BridgeDomain* bd100 = t.bridge_domain(100);
  ASSERT_NE(bd100, nullptr);
  EXPECT_EQ(bd100->vid, 100);
  EXPECT_EQ(bd100->flood_flow, b.flood_counter(100));
  ASSERT_EQ(bd100->members.size(), 2u);
  EXPECT_EQ(bd100->members[0].slot, 1);
  EXPECT_EQ(bd100->members[0].egress, kEgressUntagged);
  EXPECT_EQ(bd100->members[1].slot, 2);
  EXPECT_EQ(bd100->members[1].egress, 100);

  const BridgeDomain* bd200 = t.bridge_domain(200);
  ASSERT_NE(bd200, nullptr);
  ASSERT_EQ(bd200->members.size(), 2u);
  EXPECT_EQ(bd200->members[0].slot, 2);
  EXPECT_EQ(bd200->members[0].egress, 200);
  EXPECT_EQ(bd200->members[1].slot, 3);
  EXPECT_EQ(bd200->members[1].egress, kEgressUntagged);

  const BridgeDomain* bd300 = t.bridge_domain(300);
  ASSERT_NE(bd300, nullptr);
  ASSERT_EQ(bd300->members.size(), 1u);
  EXPECT_EQ(bd300->members[0].egress, kEgressUntagged);  // native leaves untagged

  EXPECT_EQ(t.egress_of(1, 100), kEgressUntagged);
  EXPECT_EQ(t.egress_of(1, 200), kEgressNone);
  EXPECT_EQ(t.egress_of(2, 100), 100);
  EXPECT_EQ(t.egress_of(2, 200), 200);
  EXPECT_EQ(t.egress_of(2, 300), kEgressUntagged);
  EXPECT_EQ(t.egress_of(2, 400), kEgressNone);
  EXPECT_EQ(t.egress_of(3, 200), kEgressUntagged);
  EXPECT_EQ(t.egress_of(5, 100), kEgressNone);  // in no domain
  EXPECT_EQ(t.bridge_domain(400), nullptr);
  EXPECT_EQ(t.bds.size(), 3u);
}

TEST_F(CompilerTest, BridgeDomainWithoutMembers) {
  TablesBuilder b;
  b.vlan(500);
  Compiled c = b.compile(ports_);
  const BridgeDomain* bd = c.tables->bridge_domain(500);
  ASSERT_NE(bd, nullptr);
  EXPECT_TRUE(bd->members.empty());
}

TEST_F(CompilerTest, GroupWithoutFloodFlowIsNoBridgeDomain) {
  TablesBuilder b;
  ASSERT_TRUE(b.apply(flood_group(100, {bucket(of(1))})).has_value());
  Compiled c = b.compile(ports_);
  EXPECT_EQ(c.tables->bridge_domain(100), nullptr);
  EXPECT_EQ(c.tables->egress_of(1, 100), kEgressNone);
}

TEST_F(CompilerTest, StaticMacs) {
  TablesBuilder b;
  b.access(of(1), 100).trunk(of(2), {100}).static_mac(100, mac_n(1), of(1));
  b.static_mac(100, mac_n(2), of(2));
  Compiled c = b.compile(ports_);
  ASSERT_EQ(c.statics.size(), 2u);
  EXPECT_EQ(c.statics.at(mac_key(100, mac_n(1).data())),
            (StaticMac{1, b.static_counter(100, mac_n(1))}));
  EXPECT_EQ(c.statics.at(mac_key(100, mac_n(2).data())),
            (StaticMac{2, b.static_counter(100, mac_n(2))}));
}

TEST_F(CompilerTest, FlowsForAbsentPortsAreSkipped) {
  TablesBuilder b;
  // OpenFlow port 99 has no slot.
  b.access(of(1), 100).access(99, 100).static_mac(100, mac_n(1), 99);
  Compiled c = b.compile(ports_);
  for (uint16_t s = 0; s < kMaxPorts; ++s) {
    if (s != 1) {
      EXPECT_FALSE(c.tables->ingress[s].configured) << s;
    }
  }
  const BridgeDomain* bd = c.tables->bridge_domain(100);
  ASSERT_NE(bd, nullptr);
  ASSERT_EQ(bd->members.size(), 1u);
  EXPECT_EQ(bd->members[0].slot, 1);
  EXPECT_TRUE(c.statics.empty());
  // The port arrives: the same store now compiles it in.
  add_port(89);  // OpenFlow port 99
  c = b.compile(ports_);
  EXPECT_TRUE(c.tables->ingress[89].configured);
  EXPECT_EQ(c.tables->bridge_domain(100)->members.size(), 2u);
  EXPECT_EQ(c.statics.size(), 1u);
}

TEST_F(CompilerTest, InactiveSlotIsNotAPort) {
  TablesBuilder b;
  b.access(of(1), 100).access(of(2), 100);
  ports_[2].active = false;
  Compiled c = b.compile(ports_);
  EXPECT_FALSE(c.tables->ingress[2].configured);
  EXPECT_EQ(c.tables->bridge_domain(100)->members.size(), 1u);
  EXPECT_EQ(c.tables->active_slots, (std::vector<uint16_t>{1, 3, 5}));
}

TEST_F(CompilerTest, HigherPriorityIngressFlowWins) {
  TablesBuilder b;
  of::FlowMod high = ingress_untagged(of(1), 200);
  high.priority = 150;
  ASSERT_TRUE(b.apply(high).has_value());  // sent first: order must not matter
  ASSERT_TRUE(b.apply(ingress_untagged(of(1), 100)).has_value());
  of::FlowMod low = ingress_untagged(of(1), 300);
  low.priority = 50;
  ASSERT_TRUE(b.apply(low).has_value());
  Compiled c = b.compile(ports_);
  EXPECT_EQ(c.tables->ingress[1].untagged.bd, 200);
  EXPECT_EQ(c.tables->ingress[1].untagged.flow, b.counter(0, 150, match_ingress(of(1), 0)));
}

TEST_F(CompilerTest, HigherPriorityStaticMacWins) {
  TablesBuilder b;
  of::FlowMod high = static_mac_flow(100, mac_n(1), of(2));
  high.priority = 300;
  ASSERT_TRUE(b.apply(high).has_value());
  ASSERT_TRUE(b.apply(static_mac_flow(100, mac_n(1), of(1))).has_value());
  Compiled c = b.compile(ports_);
  ASSERT_EQ(c.statics.size(), 1u);
  EXPECT_EQ(c.statics.begin()->second.slot, 2);
}

TEST_F(CompilerTest, HigherPriorityFloodFlowWins) {
  TablesBuilder b;
  ASSERT_TRUE(b.apply(flood_group(100, {bucket(of(1)), bucket(of(2), 100)})).has_value());
  ASSERT_TRUE(b.apply(flood_group(101, {bucket(of(3))})).has_value());
  of::FlowMod high = flood_flow(100, 101);
  high.priority = 10;
  ASSERT_TRUE(b.apply(high).has_value());
  ASSERT_TRUE(b.apply(flood_flow(100, 100)).has_value());
  Compiled c = b.compile(ports_);
  const BridgeDomain* bd = c.tables->bridge_domain(100);
  ASSERT_NE(bd, nullptr);
  EXPECT_EQ(bd->flood_flow, b.counter(of::l2::kL2Table, 10, match_bd(100)));
  ASSERT_EQ(bd->members.size(), 1u);
  EXPECT_EQ(bd->members[0].slot, 3);
  EXPECT_EQ(c.tables->bds.size(), 1u);
  EXPECT_EQ(c.tables->egress_of(3, 100), kEgressUntagged);
}

// Regression: when a higher-priority flood flow wins a VLAN, the losing flow's group leaves no
// egress behind (ports only in the losing group get no unicast and lose their learned MACs).
TEST_F(CompilerTest, LosingFloodFlowLeavesNoEgress) {
  TablesBuilder b;
  ASSERT_TRUE(b.apply(flood_group(100, {bucket(of(1)), bucket(of(2), 100)})).has_value());
  ASSERT_TRUE(b.apply(flood_group(101, {bucket(of(3))})).has_value());
  of::FlowMod high = flood_flow(100, 101);
  high.priority = 10;
  ASSERT_TRUE(b.apply(high).has_value());
  ASSERT_TRUE(b.apply(flood_flow(100, 100)).has_value());
  Compiled c = b.compile(ports_);
  EXPECT_EQ(c.tables->egress_of(1, 100), kEgressNone);
  EXPECT_EQ(c.tables->egress_of(2, 100), kEgressNone);
}

TEST_F(CompilerTest, RecompileAfterDeleteDropsTheFlow) {
  TablesBuilder b;
  b.access(of(1), 100).access(of(2), 100);
  Compiled before = b.compile(ports_);
  EXPECT_TRUE(before.tables->ingress[2].configured);
  ASSERT_TRUE(b.apply(delete_strict(ingress_untagged(of(2), 100))).has_value());
  ASSERT_TRUE(b.apply(group_mod(of::GroupModCommand::kModify, 100, {bucket(of(1))})).has_value());
  Compiled after = b.compile(ports_);
  EXPECT_FALSE(after.tables->ingress[2].configured);
  EXPECT_EQ(after.tables->egress_of(2, 100), kEgressNone);
  EXPECT_EQ(after.tables->bridge_domain(100)->members.size(), 1u);
}

}  // namespace
}  // namespace sluice::dp
