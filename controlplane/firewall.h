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
#include <string>
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

// `sluicectl show rules`: the firewall flows' counters, summed per rule, per network default and
// for invalid packets. 'checked' counts the packets a rule judged (a new connection's first
// packets, and a connection's first packet after a policy change); 'established' the packets
// that passed afterwards as part of connections the rule admitted.
struct RuleRow {
  std::string name;    // the rule's id (or "#N" without a policy), "default blue", "invalid"
  std::string action;  // allow | deny | drop
  uint64_t checked = 0;
  uint64_t established = 0;
  uint64_t bytes = 0;
};

struct RuleReport {
  std::vector<RuleRow> rows;
  uint32_t installed_version = 0;  // from the installed flows' ct_mark (0: no firewall)
  uint32_t policy_version = 0;     // the policy's, when one was given
};

// 'policy' (optional, validated) names rules and networks.
RuleReport rule_report(const std::vector<of::FlowStats>& flows, const Policy* policy);

// A table for people, or JSON ({"version": V, "rules": [{...}]}) for scripts.
std::string format_rule_report(const RuleReport& report, bool json);

}  // namespace sluice::cp
