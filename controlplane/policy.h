// The policy model: the operator's YAML file as plain structs.
//
// The loader (policy_loader.h) fills these from YAML and records, for every field, where in
// the file it came from, so that validate() (validate.h) can point at the exact line and
// column. Fields hold their schema defaults when absent. The model is deliberately dumb: no
// checks live here, and nothing here knows about OpenFlow except the port type enum.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "openflow/messages.h"

namespace sluice::cp {

// A position in the policy file, 1-based. line == 0 means "unknown" (for example a field
// that was never written).
struct Mark {
  int line = 0;
  int column = 0;
  friend bool operator==(const Mark&, const Mark&) = default;
};

// One field of the policy: its value (or the default), where it was written, and whether it
// was written at all. 'bad' means it was written but could not be parsed (the loader already
// reported that); later checks skip bad fields so one mistake yields one error.
template <class T>
struct Marked {
  Marked() = default;
  explicit Marked(T default_value) : value(std::move(default_value)) {}

  T value{};
  Mark mark;
  bool present = false;
  bool bad = false;

  bool usable() const noexcept { return present && !bad; }
};

enum class VlanMode : uint8_t { kAccess, kTrunk };
enum class VhostMode : uint8_t { kServer, kClient };
enum class AdminState : uint8_t { kUp, kDown };

inline constexpr int64_t kDefaultMacAging = 300;
inline constexpr int64_t kDefaultMtu = 1500;

struct SwitchSettings {
  Marked<std::string> name;
  Marked<int64_t> mac_aging_seconds{kDefaultMacAging};
  Marked<int64_t> mac_limit_per_port{4096};  // the dataplane's default too; 0 = no limit
};

struct StaticMac {
  Mark mark;  // the list item
  Marked<of::MacAddr> mac;
  Marked<std::string> port;
};

// The firewall's verdicts (rules' action; a network's default is allow or deny).
enum class FwAction : uint8_t { kAllow, kDeny, kReject };
enum class FwProtocol : uint8_t { kAny, kTcp, kUdp, kIcmp };

struct Network {
  Mark mark;  // the list item
  Marked<std::string> name;
  Marked<int64_t> vlan;
  Marked<std::vector<StaticMac>> static_macs;
  Marked<FwAction> firewall_default{FwAction::kDeny};  // with a firewall: section only
};

// One "key: value" of a map of labels (ports[].labels, security_groups[].selector).
struct Label {
  Marked<std::string> key;
  Marked<std::string> value;
};

// security_groups[]: members by port name, by labels (every selector label must match) and by
// CIDR. A port member stands for its security.ips, sent through its own switch port.
struct SecurityGroup {
  Mark mark;  // the list item
  Marked<std::string> name;
  Marked<std::vector<Marked<std::string>>> ports;
  Marked<std::vector<Label>> selector;
  Marked<std::vector<Marked<std::string>>> cidrs;
};

// A destination port or range of a rule ("8000-8080" or 443).
struct PortSpan {
  int64_t lo = 0, hi = 0;
};

// firewall.rules[]: applies to the initiator of a connection; replies pass without a rule.
struct FirewallRule {
  Mark mark;  // the list item
  Marked<std::string> id;
  Marked<std::vector<Marked<std::string>>> from;  // group names, or "any"
  Marked<std::vector<Marked<std::string>>> to;
  Marked<FwProtocol> protocol{FwProtocol::kAny};
  Marked<std::vector<Marked<PortSpan>>> ports;
  Marked<int64_t> icmp_type;
  Marked<int64_t> icmp_code;
  Marked<FwAction> action;
  Marked<bool> log;
};

struct Firewall {
  Marked<std::vector<FirewallRule>> rules;
};

struct PortVlan {
  Marked<VlanMode> mode;
  Marked<int64_t> id;  // access
  // trunk: every allowed VLAN, ranges expanded; each item marked where it was written.
  Marked<std::vector<Marked<int64_t>>> allowed;
  Marked<int64_t> native;  // trunk, optional
};

// ports[].security: the only source addresses the port may send from (port security, table 10).
struct PortSecurity {
  Marked<std::vector<Marked<of::MacAddr>>> macs;
  Marked<std::vector<Marked<std::string>>> ips;  // IPv4 addresses or prefixes ("10.0.0.0/24")
};

struct PortSpec {
  Mark mark;  // the list item
  Marked<std::string> name;
  Marked<int64_t> id;
  Marked<of::PortType> type;
  Marked<std::string> iface;
  Marked<std::string> path;
  Marked<VhostMode> mode;
  Marked<std::string> rx_pcap;
  Marked<std::string> tx_pcap;
  Marked<std::string> ring;
  Marked<std::string> devargs;
  Marked<std::string> options;
  Marked<int64_t> mtu{kDefaultMtu};
  Marked<AdminState> admin{AdminState::kUp};
  Marked<int64_t> mac_limit;
  Marked<PortVlan> vlan;  // absent: attached, but in no bridge domain
  Marked<PortSecurity> security;  // absent: the port may send from any address
  Marked<std::vector<Label>> labels;  // for security-group selectors
};

struct Policy {
  std::string file;  // where it was loaded from (for messages)
  Marked<int64_t> version;
  Marked<SwitchSettings> switch_settings;
  Marked<std::vector<Network>> networks;
  Marked<std::vector<PortSpec>> ports;
  Marked<std::vector<SecurityGroup>> security_groups;
  Marked<Firewall> firewall;  // absent: no firewall (table 30 unused)
};

// Names of the schema's enums, as written in YAML (for messages and docs).
const char* port_type_name(of::PortType type) noexcept;

}  // namespace sluice::cp
