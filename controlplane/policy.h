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

struct Network {
  Mark mark;  // the list item
  Marked<std::string> name;
  Marked<int64_t> vlan;
  Marked<std::vector<StaticMac>> static_macs;
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
};

struct Policy {
  std::string file;  // where it was loaded from (for messages)
  Marked<int64_t> version;
  Marked<SwitchSettings> switch_settings;
  Marked<std::vector<Network>> networks;
  Marked<std::vector<PortSpec>> ports;
};

// Names of the schema's enums, as written in YAML (for messages and docs).
const char* port_type_name(of::PortType type) noexcept;

}  // namespace sluice::cp
