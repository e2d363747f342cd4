// OpenFlow message factories for tests. The shapes docs/architecture.md ("Tables") says the
// controller sends come from openflow/l2_contract.h, the same code the compiler uses; they are
// brought into sluice::test below so tests drive FlowStore and compile() through the real
// control path. What is defined here is test-only: shorthands, and deliberately off-contract
// variants that tests checking rejections start from to break one thing.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "openflow/l2_contract.h"
#include "openflow/messages.h"

namespace sluice::test {

// ---- The contract (openflow/l2_contract.h) ----
using of::l2::kFloodPriority;
using of::l2::kIngressPriority;
using of::l2::kPolicyCookie;
using of::l2::kPolicyCookieMask;
using of::l2::kStaticMacPriority;

using of::l2::egress_actions;
using of::l2::group;
using of::l2::output;
using of::l2::pop_vlan;
using of::l2::push_vlan;
using of::l2::set_vlan_vid;

using of::l2::match_bd;
using of::l2::match_bd_dst;
using of::l2::match_ingress;

using of::l2::flood_flow;
using of::l2::ingress_tagged;
using of::l2::ingress_untagged;
using of::l2::static_mac_flow;

// ---- Actions ----
// push_vlan with another ethertype (0x88a8): not an egress the dataplane accepts.
of::Action push_vlan(uint16_t ethertype);
of::ActionList actions(std::initializer_list<of::Action> list);

// ---- Table 1 ----
// metadata=V/0xfff → apply(group:G): a flood flow pointing at a group other than V's.
of::FlowMod flood_flow(uint16_t vlan, uint32_t group_id);
// metadata=V/0xfff, eth_dst=M → egress_actions(P, push_vid)
of::FlowMod static_mac_flow(uint16_t vlan, const of::MacAddr& mac, uint32_t port,
                            uint16_t push_vid = 0);

// ---- Groups ----
// Any GROUP_MOD, including ones the dataplane must reject (ids, types, buckets).
of::Bucket bucket(uint32_t port, uint16_t push_vid = 0);
of::GroupMod group_mod(of::GroupModCommand command, uint32_t group_id,
                       const std::vector<of::Bucket>& buckets,
                       of::GroupType type = of::GroupType::kAll);
// GROUP_MOD ADD, type ALL, with these buckets (of::l2::flood_group builds the contract's).
of::GroupMod flood_group(uint32_t group_id, const std::vector<of::Bucket>& buckets);
of::GroupMod delete_group(uint32_t group_id);

// ---- Modify / delete ----
of::FlowMod delete_flows(uint8_t table_id = of::kTableAll, const of::Match& match = {});
of::FlowMod delete_strict(const of::FlowMod& added);
of::FlowMod with_command(of::FlowMod fm, of::FlowModCommand command);

}  // namespace sluice::test
