// The checks a FLOW_MOD or GROUP_MOD passes before the FlowStore takes it, each failing with
// the OpenFlow 1.3 error the spec names. The codec has already checked the wire form (lengths,
// TLVs, OXM prerequisites of the match); these check meaning against the switch: table ids,
// ports, groups, what set-field may write, and the L2 shapes of the learning table.
#pragma once

#include <cstdint>
#include <map>

#include "dataplane/flow_entry.h"
#include "openflow/codec.h"
#include "openflow/messages.h"

namespace sluice::dp {

// An action list in a flow ('match' set) or in a group bucket ('match' null).
//   output: a port 1..OFPP_MAX, IN_PORT, ALL, FLOOD or CONTROLLER   else BAD_ACTION/BAD_OUT_PORT
//   group: an existing group (not allowed in buckets: no chaining)   BAD_ACTION/BAD_OUT_GROUP,
//                                                                    GROUP_MOD_FAILED/CHAINING_UNSUPPORTED
//   set_field: a writable field                                      BAD_ACTION/BAD_SET_TYPE
//              whose prerequisites the flow's match guarantees       BAD_ACTION/MATCH_INCONSISTENT
//   experimenter (reserved Sluice actions, not implemented yet)     BAD_ACTION/BAD_EXP_TYPE
//   ct: only in a flow (not in a bucket or PACKET_OUT)               BAD_ACTION/BAD_EXP_TYPE
//       whose match pins eth_type 0x0800 or 0x86dd (as Open vSwitch) BAD_ACTION/MATCH_INCONSISTENT
//       commit where the match requires +inv                          BAD_ACTION/MATCH_INCONSISTENT
//       alg= (no ALGs)                                               BAD_ACTION/BAD_ARGUMENT
of::Decoded<void> check_actions(const of::ActionList& actions, const of::Match* match,
                                const std::map<uint32_t, GroupEntry>& groups);

// A flow for a plain OpenFlow table: flags, goto-table (greater than its own table, below
// 'num_tables'), and both action lists. ct(table=N) is the packet's way on to table N: it must
// be the apply list's last action, in a flow without goto_table (else BAD_ACTION/
// UNSUPPORTED_ORDER; Open vSwitch forks the packet there, Sluice does not copy it), and N a
// later table below 'num_tables' (BAD_INSTRUCTION/BAD_TABLE_ID, as goto; Open vSwitch also
// allows earlier ones). ct in write-actions: BAD_ACTION/UNSUPPORTED_ORDER.
of::Decoded<void> check_flow(const of::FlowMod& fm, uint8_t num_tables,
                             const std::map<uint32_t, GroupEntry>& groups);

// A flow for the learning table: the bridge domain's flood flow (metadata=V → group:V) or a
// static MAC (metadata=V, eth_dst=M → an egress action list); docs/architecture.md.
of::Decoded<void> check_l2_flow(const of::FlowMod& fm, const std::map<uint32_t, GroupEntry>& groups);

// Is this table-0 flow one of the ingress shapes compiled into direct arrays (in_port + exact
// vlan_vid → [pop_vlan,] write_metadata:V/0xfff, goto_table:T for any later T)?
bool is_ingress_shape(const FlowEntry& f) noexcept;

// Is this installed flow one of the learning table's L2 shapes (check_l2_flow() against the
// groups as they are now)? The learning table learns while every flow in it is one; otherwise
// it runs as a plain OpenFlow table (docs/architecture.md).
bool is_l2_shape(const FlowEntry& f, const std::map<uint32_t, GroupEntry>& groups);

// A group definition for GROUP_MOD add/modify.
of::Decoded<void> check_group(const of::GroupDesc& g, const std::map<uint32_t, GroupEntry>& groups);
// A group that a learning-table flow floods through must stay ALL with egress buckets.
of::Decoded<void> check_flood_group(const of::GroupDesc& g);

}  // namespace sluice::dp
