// OpenFlow message factories for tests: the exact shapes docs/architecture.md ("Tables")
// says the controller sends, so tests drive FlowStore and compile() through the real control
// path. Tests that check rejections start from these and break one thing.
#pragma once

#include <cstdint>
#include <vector>

#include "openflow/messages.h"

namespace sluice::test {

inline constexpr uint64_t kPolicyCookie = 0x5c00000000000000ULL;
inline constexpr uint64_t kPolicyCookieMask = 0xffff000000000000ULL;
inline constexpr uint16_t kIngressPriority = 100;
inline constexpr uint16_t kFloodPriority = 0;
inline constexpr uint16_t kStaticPriority = 200;

// ---- Actions ----
of::Action output(uint32_t port);
of::Action pop_vlan();
of::Action push_vlan(uint16_t ethertype = 0x8100);
of::Action set_vlan_vid(uint16_t vid);  // value = 0x1000 | vid
of::Action group(uint32_t group_id);
of::ActionList actions(std::initializer_list<of::Action> list);
// [output:P] when push_vid == 0, else [push_vlan, set_field vlan_vid, output:P].
of::ActionList egress_actions(uint32_t port, uint16_t push_vid = 0);

// ---- Matches ----
of::Match match_ingress(uint32_t in_port, uint16_t vlan_vid);  // vlan_vid as on the wire
of::Match match_bd(uint16_t vlan);                             // metadata=V/0xfff
of::Match match_bd_dst(uint16_t vlan, const of::MacAddr& dst);

// ---- Table 0 ----
// in_port=P, vlan_vid=0 → write_metadata:V/0xfff, goto_table:1
of::FlowMod ingress_untagged(uint32_t port, uint16_t vlan);
// in_port=P, vlan_vid=0x1000|V → apply(pop_vlan), write_metadata:V/0xfff, goto_table:1
of::FlowMod ingress_tagged(uint32_t port, uint16_t vlan);

// ---- Table 1 ----
// metadata=V/0xfff → apply(group:G)   (G defaults to V)
of::FlowMod flood_flow(uint16_t vlan, uint32_t group_id = 0);
// metadata=V/0xfff, eth_dst=M → egress_actions(P, push_vid)
of::FlowMod static_mac_flow(uint16_t vlan, const of::MacAddr& mac, uint32_t port,
                            uint16_t push_vid = 0);

// ---- Groups ----
of::Bucket bucket(uint32_t port, uint16_t push_vid = 0);
of::GroupMod group_mod(of::GroupModCommand command, uint32_t group_id,
                       const std::vector<of::Bucket>& buckets,
                       of::GroupType type = of::GroupType::kAll);
of::GroupMod flood_group(uint32_t group_id, const std::vector<of::Bucket>& buckets);
of::GroupMod delete_group(uint32_t group_id);

// ---- Modify / delete ----
of::FlowMod delete_flows(uint8_t table_id = of::kTableAll, const of::Match& match = {});
of::FlowMod delete_strict(const of::FlowMod& added);
of::FlowMod with_command(of::FlowMod fm, of::FlowModCommand command);

}  // namespace sluice::test
