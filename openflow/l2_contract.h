// The table contract between compiler and dataplane (docs/architecture.md, "Tables"), written
// once: the numbers (cookie, tables, priorities, the bridge-domain metadata mask) and the
// messages built from them. The controller's compiler emits exactly these shapes, the
// dataplane's FlowStore accepts exactly these shapes, and tests build them from here, so the
// three cannot drift apart.
//
// Vocabulary: 'vlan' is a bridge domain (one per VLAN, carried between tables in metadata
// under kBridgeDomainMask, and also the id of its flood group); "bd" abbreviates bridge
// domain; an "egress" is the action list that sends a frame out of one port in one bridge
// domain, tagged or not.
//
// Std C++ only. Builders return plain message structs except the ~135 KB group, which the
// caller provides.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "openflow/messages.h"

namespace sluice::of::l2 {

// ---- Numbers ----------------------------------------------------------------------------------

// Every policy flow carries kPolicyCookie; the controller owns the flows whose cookie matches
// it under kPolicyCookieMask (the top 16 bits, 0x5c00).
inline constexpr uint64_t kPolicyCookie = 0x5c00000000000000ULL;
inline constexpr uint64_t kPolicyCookieMask = 0xffff000000000000ULL;

inline constexpr uint8_t kIngressTable = 0;  // VLAN classification
inline constexpr uint8_t kPortSecurityTable = 10;  // per-port source addresses (nfv/port_security)
inline constexpr uint8_t kL2Table = 40;            // bridge domains (docs/architecture.md)

inline constexpr uint16_t kIngressPriority = 100;    // table 0
inline constexpr uint16_t kFloodPriority = 0;        // table 40, per bridge domain
inline constexpr uint16_t kStaticMacPriority = 200;  // table 40, per static MAC

// The metadata bits that carry the bridge domain (the VLAN).
inline constexpr uint64_t kBridgeDomainMask = 0xfff;

static_assert(SwitchConfig{}.learning_table == kL2Table, "the default learning table is the L2 table");

// ---- Actions ----------------------------------------------------------------------------------

Action output(uint32_t port);
Action push_vlan();                 // push_vlan:0x8100
Action set_vlan_vid(uint16_t vid);  // set_field:0x1000|vid->vlan_vid
Action pop_vlan();
Action group(uint32_t group_id);

// The egress of 'port': [output:P] when push_vid is 0 (untagged), else
// [push_vlan:0x8100, set_field:0x1000|push_vid->vlan_vid, output:P].
ActionList egress_actions(uint32_t port, uint16_t push_vid = 0);

// What an egress action list means; the inverse of egress_actions().
struct Egress {
  uint32_t port = 0;      // OpenFlow port number
  uint16_t push_vid = 0;  // 0 = untagged, else the VID pushed (1..4094)
};
// The egress 'actions' describe, or nullopt if they are not one of the two egress shapes
// (including a pushed VID of 0 or 4095, or a push of another ethertype).
std::optional<Egress> parse_egress(const ActionList& actions);

// ---- Matches ----------------------------------------------------------------------------------

// Table 0: in_port=P, vlan_vid as on the wire (kVidNone, or kVidPresent|V).
Match match_ingress(uint32_t in_port, uint16_t vlan_vid);
// Table 40: metadata=V/0xfff.
Match match_bd(uint16_t vlan);
// Table 40: metadata=V/0xfff, eth_dst=M.
Match match_bd_dst(uint16_t vlan, const MacAddr& dst);

// ---- Flows (all ADD, kPolicyCookie) -----------------------------------------------------------

// Table 0, access port or trunk native VLAN: in_port=P, vlan_vid=0x0000 →
// write_metadata:V/0xfff, goto_table:1.
FlowMod ingress_untagged(uint32_t port, uint16_t vlan);
// Table 0, trunk VLAN: in_port=P, vlan_vid=0x1000|V →
// apply_actions(pop_vlan), write_metadata:V/0xfff, goto_table:1.
FlowMod ingress_tagged(uint32_t port, uint16_t vlan);
// Table 40, the bridge domain's unknown unicast, broadcast and multicast: metadata=V/0xfff →
// apply_actions(group:V).
FlowMod flood_flow(uint16_t vlan);
// Table 40, a static MAC: metadata=V/0xfff, eth_dst=M → apply_actions(egress), where 'egress'
// is the destination port's bucket in group V.
FlowMod static_mac_flow(uint16_t vlan, const MacAddr& mac, const ActionList& egress);

// ---- Groups -----------------------------------------------------------------------------------

// Fills 'out' with the bridge domain's flood group: group_id=V, type=ALL, one bucket per
// member's egress action list, in order. Egresses past kMaxBuckets are left out. Fills in
// place because a GroupDesc is ~135 KB; the bucket slots past n_buckets are not touched.
void flood_group(uint16_t vlan, std::span<const ActionList> egresses, GroupDesc& out);

}  // namespace sluice::of::l2
