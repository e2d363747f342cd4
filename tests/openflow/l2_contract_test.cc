// The table contract's builders (openflow/l2_contract.h): each message in its ovs-ofctl text,
// so a change to any shape of docs/architecture.md ("Tables") shows here first; and
// parse_egress() as the inverse of egress_actions().
#include "openflow/l2_contract.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "openflow/format.h"

namespace sluice::of::l2 {
namespace {

constexpr MacAddr kMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x09};

TEST(L2Contract, Numbers) {
  EXPECT_EQ(kPolicyCookie, 0x5c00000000000000ULL);
  EXPECT_EQ(kPolicyCookie & kPolicyCookieMask, 0x5c00000000000000ULL);
  EXPECT_EQ(kIngressTable, 0);
  EXPECT_EQ(kL2Table, 40);
  EXPECT_EQ(kPortSecurityTable, 10);
  EXPECT_EQ(kIngressPriority, 100);
  EXPECT_EQ(kFloodPriority, 0);
  EXPECT_EQ(kStaticMacPriority, 200);
  EXPECT_EQ(kBridgeDomainMask, 0xfffu);
}

TEST(L2Contract, Actions) {
  EXPECT_EQ(format_action(output(3)), "output:3");
  EXPECT_EQ(format_action(push_vlan()), "push_vlan:0x8100");
  EXPECT_EQ(format_action(set_vlan_vid(100)), "set_field:0x1064->vlan_vid");
  EXPECT_EQ(format_action(pop_vlan()), "pop_vlan");
  EXPECT_EQ(format_action(group(100)), "group:100");
}

TEST(L2Contract, EgressActions) {
  EXPECT_EQ(format_actions(egress_actions(3)), "output:3");
  EXPECT_EQ(format_actions(egress_actions(3, 0)), "output:3");
  EXPECT_EQ(format_actions(egress_actions(3, 100)),
            "push_vlan:0x8100,set_field:0x1064->vlan_vid,output:3");
}

TEST(L2Contract, Matches) {
  EXPECT_EQ(format_match(match_ingress(3, kVidNone)), "in_port=3,vlan_tci=0x0000/0x1fff");
  EXPECT_EQ(format_match(match_ingress(3, kVidPresent | 100)), "in_port=3,dl_vlan=100");
  EXPECT_EQ(format_match(match_bd(100)), "metadata=0x64/0xfff");
  EXPECT_EQ(format_match(match_bd_dst(100, kMac)), "metadata=0x64/0xfff,dl_dst=02:00:00:00:00:09");
}

TEST(L2Contract, IngressUntagged) {
  EXPECT_EQ(format_flow_mod(ingress_untagged(3, 100)),
            "ADD table:0 priority=100,in_port=3,vlan_tci=0x0000/0x1fff cookie:0x5c00000000000000 "
            "actions=write_metadata:0x64/0xfff,goto_table:40");
}

TEST(L2Contract, IngressTagged) {
  EXPECT_EQ(format_flow_mod(ingress_tagged(3, 100)),
            "ADD table:0 priority=100,in_port=3,dl_vlan=100 cookie:0x5c00000000000000 "
            "actions=pop_vlan,write_metadata:0x64/0xfff,goto_table:40");
}

TEST(L2Contract, FloodFlow) {
  EXPECT_EQ(format_flow_mod(flood_flow(100)),
            "ADD table:40 priority=0,metadata=0x64/0xfff cookie:0x5c00000000000000 "
            "actions=group:100");
}

TEST(L2Contract, StaticMacFlow) {
  EXPECT_EQ(format_flow_mod(static_mac_flow(100, kMac, egress_actions(3))),
            "ADD table:40 priority=200,metadata=0x64/0xfff,dl_dst=02:00:00:00:00:09 "
            "cookie:0x5c00000000000000 actions=output:3");
  EXPECT_EQ(format_flow_mod(static_mac_flow(100, kMac, egress_actions(3, 100))),
            "ADD table:40 priority=200,metadata=0x64/0xfff,dl_dst=02:00:00:00:00:09 "
            "cookie:0x5c00000000000000 actions=push_vlan:0x8100,set_field:0x1064->vlan_vid,"
            "output:3");
}

TEST(L2Contract, FloodGroup) {
  auto g = std::make_unique<GroupDesc>();  // ~135 KB: not on the stack
  const std::vector<ActionList> members = {egress_actions(1), egress_actions(3, 100)};
  flood_group(100, members, *g);
  EXPECT_EQ(format_group(*g),
            "group_id=100,type=all,bucket=actions=output:1,"
            "bucket=actions=push_vlan:0x8100,set_field:0x1064->vlan_vid,output:3");

  flood_group(200, {}, *g);  // refilling replaces what was there
  EXPECT_EQ(format_group(*g), "group_id=200,type=all");
}

TEST(L2Contract, FloodGroupKeepsAtMostMaxBuckets) {
  auto g = std::make_unique<GroupDesc>();
  const std::vector<ActionList> members(kMaxBuckets + 1, egress_actions(1));
  flood_group(100, members, *g);
  EXPECT_EQ(g->n_buckets, kMaxBuckets);
}

TEST(ParseEgressTest, UntaggedAndTagged) {
  auto u = parse_egress(egress_actions(7));
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->port, 7u);
  EXPECT_EQ(u->push_vid, 0);
  auto t = parse_egress(egress_actions(7, 300));
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->port, 7u);
  EXPECT_EQ(t->push_vid, 300);
  ActionList pop_then_output;
  pop_then_output.push(pop_vlan());
  pop_then_output.push(output(7));
  EXPECT_FALSE(parse_egress(pop_then_output).has_value());
  EXPECT_FALSE(parse_egress(ActionList{}).has_value());
}

TEST(ParseEgressTest, RefusesUnusableVidsAndOtherEthertypes) {
  EXPECT_FALSE(parse_egress(egress_actions(7, 0xfff)).has_value());
  ActionList qinq = egress_actions(7, 100);
  qinq.items[0].ethertype = 0x88a8;
  EXPECT_FALSE(parse_egress(qinq).has_value());
  ActionList no_present = egress_actions(7, 100);
  no_present.items[1].value = 100;
  EXPECT_FALSE(parse_egress(no_present).has_value());
}

}  // namespace
}  // namespace sluice::of::l2
