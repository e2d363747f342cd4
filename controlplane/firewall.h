// The policy's firewall: security groups and rules, checked at file:line:col and resolved into
// the OpenFlow firewall (openflow/firewall.h, tables 30 and 31).
//
// A group's members are ports by name, ports by labels (a selector matches the ports that
// carry every one of its labels) and CIDRs. A port member stands for the addresses of its
// security.ips, sent through its own switch port (so port security has already made sure the
// VM owns them); a CIDR member for anything with that source or destination, from any port.
// "any" is every address. Rules apply in file order to the initiator of a connection; each
// network's default (firewall_default, deny unless written) takes what no rule does.
#pragma once

#include <cstdint>
#include <vector>

#include "controlplane/diagnostics.h"
#include "controlplane/policy.h"
#include "openflow/firewall.h"

namespace sluice::cp {

// The most firewall flows a policy may compile to (they go to the dataplane in one bundle).
inline constexpr size_t kMaxFirewallFlows = 200000;

// Every error in security_groups, firewall and the networks' firewall_default.
void check_firewall(const Policy& policy, Diagnostics& diag);

// Requires a policy that validate() accepted and has a firewall: section. 'port_numbers' as
// assign_port_numbers(policy).
of::firewall::Spec firewall_spec(const Policy& policy, const std::vector<uint32_t>& port_numbers);

}  // namespace sluice::cp
