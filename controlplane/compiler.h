// Policy -> desired dataplane state: a pure function, no I/O.
//
// Emits exactly the table contract of docs/architecture.md ("Tables"), built by
// openflow/l2_contract.h: PORT_ADD and PORT_SET per port, SWITCH_CONFIG, one ALL group per
// network (group_id = VLAN), table-40 flood and static-MAC flows, and table-0 ingress flows.
// Every flow carries of::l2::kPolicyCookie. The output order is deterministic: ports and
// networks in file order, groups before flows, table-40 flows before table-0 flows (so adding
// them in this order never sends a packet into a bridge domain that is not ready yet).
#pragma once

#include <cstdint>
#include <vector>

#include "controlplane/policy.h"
#include "openflow/messages.h"

namespace sluice::cp {

struct DesiredState {
  std::vector<of::PortAdd> ports;
  std::vector<of::PortSet> port_settings;
  of::SwitchConfig switch_config;
  std::vector<of::GroupDesc> groups;  // one per network, in file order
  std::vector<of::FlowMod> flows;     // all kAdd
};

// The OpenFlow port number of each port, in file order: its 'id', or else the first number
// from 1 not taken by any explicit id or an earlier port.
std::vector<uint32_t> assign_port_numbers(const Policy& policy);

// True if 'port' carries 'vlan' (access VLAN, a trunk's allowed VLAN or its native VLAN).
bool is_member(const PortSpec& port, int64_t vlan);

// The trunk's tagged VLANs (allowed plus native), ascending, without repeats.
std::vector<uint16_t> tagged_vlans(const PortVlan& vlan);

// The egress action list of 'port' in bridge domain 'vlan' (its bucket in group 'vlan'):
// tagged on a trunk, except for the trunk's native VLAN.
of::ActionList egress_actions(const PortSpec& port, uint32_t port_no, uint16_t vlan);

// The PORT_ADD for one port (port number already assigned).
of::PortAdd make_port_add(const PortSpec& port, uint32_t port_no);

// Requires a policy that validate() accepted.
DesiredState compile(const Policy& policy);

// How many flows compile(policy) yields, for summaries.
size_t count_flows(const Policy& policy);

}  // namespace sluice::cp
