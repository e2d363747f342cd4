// diff(): desired state vs what the dataplane has installed -> the ordered messages that move
// the dataplane from one to the other without dropping traffic that both states forward.
//
// The order (each step only relies on the steps before it):
//   1. PORT_DEL + PORT_ADD for ports whose definition changed (number, name, type, device...),
//      PORT_ADD for new ports (and, on a first sync, for every port: PORT_ADD is idempotent)
//   2. PORT_SET for new ports and ports whose settings changed
//   3. SWITCH_CONFIG if it changed
//   4. GROUP_MOD add (missing groups) and modify (changed buckets)
//   5. FLOW_MOD add for desired flows not installed as is: table 40 before table 0, so a
//      packet is never steered into a bridge domain that is not ready
//   6. FLOW_MOD delete_strict for installed policy flows (cookie 0x5c00...) not desired,
//      table 0 before table 40
//   7. GROUP_MOD delete for bridge-domain groups no network needs
//   8. PORT_DEL for installed ports the policy no longer has
// Session::apply() sends steps 4..7 in one atomic bundle, steps 1..3 before it and step 8 after
// it commits. Flows without the policy cookie and groups
// outside the bridge-domain id range 1..4094 belong to someone else and are left alone.
#pragma once

#include <string>
#include <vector>

#include "controlplane/compiler.h"
#include "controlplane/message.h"
#include "openflow/messages.h"

namespace sluice::cp {

// What the dataplane reports: PORT_DESC, FLOW stats (all tables), GROUP_DESC.
struct InstalledState {
  std::vector<of::Port> ports;
  std::vector<of::FlowStats> flows;
  std::vector<of::GroupDesc> groups;
};

struct DiffSummary {
  size_t ports_added = 0, ports_replaced = 0, ports_removed = 0;
  size_t ports_set = 0;  // settings changed on a port that was neither added nor replaced
  size_t groups_added = 0, groups_modified = 0, groups_removed = 0;
  size_t flows_added = 0, flows_removed = 0;
  bool switch_config = false;

  // "+3 ports, ~0 ports, -0 ports, +6 flows, -0 flows, +2 groups, ~0 groups, -0 groups"
  std::string to_string() const;
  bool empty() const noexcept;
};

struct DiffResult {
  std::vector<Message> messages;
  DiffSummary summary;
};

// 'previous' is the desired state this controller last applied to this dataplane (nullptr
// after a start or a dataplane restart): it says what PORT_DESC cannot (port type, device,
// MTU, MAC limit, MAC aging), so unchanged ports and settings are not resent.
DiffResult diff(const DesiredState& desired, const InstalledState& installed,
                const DesiredState* previous);

// True if two PORT_ADDs describe the same device (the dataplane's idempotence rule: same
// number, name, type, flags, device and options; MTU is a setting, not identity).
bool same_port_definition(const of::PortAdd& a, const of::PortAdd& b);

bool is_policy_cookie(uint64_t cookie);

}  // namespace sluice::cp
