#include "controlplane/validate.h"

#include <map>
#include <set>

#include "controlplane/args.h"
#include "controlplane/compiler.h"
#include "controlplane/firewall.h"
#include "openflow/port_rules.h"

namespace sluice::cp {

namespace {

// ---- The typed rules, declared once ---------------------------------------------------------

constexpr BoundedInt kVlanId{1, 4094};
constexpr BoundedInt kPortNumber{1, 65279};
constexpr BoundedInt kMtu{68, 9600};
constexpr BoundedInt kMacAging{10, 1000000};
constexpr BoundedInt kMacLimit{0, 1000000};
constexpr NameArg kObjectName{1, 32, "_-"};    // switch and network names
constexpr NameArg kPortName{1, 15, "_.-"};     // OpenFlow port names hold 15 characters
constexpr NameArg kIfaceName{1, 15, "_.-:@"};  // Linux interface names
constexpr NameArg kRingName{1, 31, "_.-"};
constexpr AbsolutePathArg kSocketPath{255};
constexpr DevargsArg kPcapFile{240};
constexpr DevargsArg kDevargs{255, true};
constexpr KeyValueListArg kOptions{255};
constexpr UnicastMacArg kStaticMac{};
constexpr Ipv4PrefixArg kSecurityIp{
    "which port security cannot match yet (a protected port's IPv6 frames are dropped as "
    "spoofed_ip)"};

// Which type-specific fields a port type requires and allows.
enum PortField : uint32_t {
  kFieldIface = 1 << 0,
  kFieldPath = 1 << 1,
  kFieldMode = 1 << 2,
  kFieldRxPcap = 1 << 3,
  kFieldTxPcap = 1 << 4,
  kFieldRing = 1 << 5,
  kFieldDevargs = 1 << 6,
};

struct TypeRule {
  of::PortType type;
  uint32_t required;
  uint32_t allowed;
};

constexpr TypeRule kTypeRules[] = {
    {of::PortType::kVhostUser, kFieldPath, kFieldPath | kFieldMode},
    {of::PortType::kAfPacket, kFieldIface, kFieldIface},
    {of::PortType::kTap, kFieldIface, kFieldIface},
    {of::PortType::kPcap, 0,
     kFieldIface | kFieldRxPcap | kFieldTxPcap},  // and at least one of them
    {of::PortType::kNull, 0, 0},
    {of::PortType::kRing, kFieldRing, kFieldRing},
    {of::PortType::kDpdk, kFieldDevargs, kFieldDevargs},
};

struct FieldRef {
  PortField bit;
  const char* name;
  bool present;
  Mark mark;
};

std::vector<FieldRef> type_fields(const PortSpec& p) {
  return {
      {kFieldIface, "iface", p.iface.present, p.iface.mark},
      {kFieldPath, "path", p.path.present, p.path.mark},
      {kFieldMode, "mode", p.mode.present, p.mode.mark},
      {kFieldRxPcap, "rx_pcap", p.rx_pcap.present, p.rx_pcap.mark},
      {kFieldTxPcap, "tx_pcap", p.tx_pcap.present, p.tx_pcap.mark},
      {kFieldRing, "ring", p.ring.present, p.ring.mark},
      {kFieldDevargs, "devargs", p.devargs.present, p.devargs.mark},
  };
}

std::string at_line(Mark m) { return m.line > 0 ? " (line " + std::to_string(m.line) + ")" : ""; }

// Remembers the first use of each key; reports later uses as duplicates.
template <class Key>
class UniqueCheck {
 public:
  UniqueCheck(Diagnostics& diag, std::string what) : diag_(diag), what_(std::move(what)) {}
  void see(const Key& key, const std::string& shown, Mark mark, const std::string& path,
           const std::string& owner) {
    auto [it, inserted] = first_.emplace(key, std::make_pair(owner, mark));
    if (!inserted) {
      diag_.add(mark, path,
                what_ + " " + shown + " is already used by " + it->second.first +
                    at_line(it->second.second));
    }
  }

 private:
  Diagnostics& diag_;
  std::string what_;
  std::map<Key, std::pair<std::string, Mark>> first_;
};

class Validator {
 public:
  explicit Validator(const Policy& policy) : policy_(policy) {
    for (const Network& n : policy.networks.value) {
      if (n.vlan.usable() && !kVlanId.check(n.vlan.value)) vlans_.insert(n.vlan.value);
    }
  }

  std::vector<ConfigError> run() {
    check_top();
    check_switch();
    check_networks();
    check_ports();
    if (diag_.empty()) check_firewall(policy_, diag_);  // resolves names: only on a sound rest
    return diag_.take();
  }

 private:
  void required(bool present, Mark parent, const std::string& path) {
    if (!present) diag_.add(parent, path, "is required");
  }

  void check_top() {
    if (!policy_.version.present) {
      diag_.add(Mark{1, 1}, "version", "is required (write 'version: 1')");
    } else if (policy_.version.usable() && policy_.version.value != kPolicyVersion) {
      diag_.add(policy_.version.mark, "version",
                std::to_string(policy_.version.value) +
                    " is not supported; this sluicectl reads version 1");
    }
  }

  void check_switch() {
    const SwitchSettings& sw = policy_.switch_settings.value;
    diag_.check(kObjectName, sw.name, "switch.name");
    diag_.check(kMacAging, sw.mac_aging_seconds, "switch.mac_aging_seconds");
    diag_.check(kMacLimit, sw.mac_limit_per_port, "switch.mac_limit_per_port");
  }

  void check_networks() {
    UniqueCheck<std::string> names(diag_, "name");
    UniqueCheck<int64_t> vlans(diag_, "vlan");
    const auto& nets = policy_.networks.value;
    for (size_t i = 0; i < nets.size(); ++i) {
      const Network& n = nets[i];
      const std::string path = "networks[" + std::to_string(i) + "]";
      required(n.name.present, n.mark, path + ".name");
      required(n.vlan.present, n.mark, path + ".vlan");
      diag_.check(kObjectName, n.name, path + ".name");
      diag_.check(kVlanId, n.vlan, path + ".vlan");
      if (n.name.usable())
        names.see(n.name.value, "'" + n.name.value + "'", n.name.mark, path + ".name", path);
      if (n.vlan.usable())
        vlans.see(n.vlan.value, std::to_string(n.vlan.value), n.vlan.mark, path + ".vlan", path);
      check_static_macs(n, path);
    }
  }

  void check_static_macs(const Network& n, const std::string& net_path) {
    UniqueCheck<of::MacAddr> macs(diag_, "static MAC");
    const auto& list = n.static_macs.value;
    for (size_t j = 0; j < list.size(); ++j) {
      const StaticMac& sm = list[j];
      const std::string path = net_path + ".static_macs[" + std::to_string(j) + "]";
      required(sm.mac.present, sm.mark, path + ".mac");
      required(sm.port.present, sm.mark, path + ".port");
      diag_.check(kStaticMac, sm.mac, path + ".mac");
      if (sm.mac.usable()) {
        macs.see(sm.mac.value, format_mac(sm.mac.value), sm.mac.mark, path + ".mac", path);
      }
      if (!sm.port.usable()) continue;
      const PortSpec* port = find_port(sm.port.value);
      if (port == nullptr) {
        diag_.add(sm.port.mark, path + ".port", "no port is named '" + sm.port.value + "'");
      } else if (n.vlan.usable() && !is_member(*port, n.vlan.value)) {
        diag_.add(sm.port.mark, path + ".port",
                  "port '" + sm.port.value + "' is not a member of network " +
                      (n.name.present ? "'" + n.name.value + "' " : "") + "(vlan " +
                      std::to_string(n.vlan.value) + ")");
      }
    }
  }

  const PortSpec* find_port(const std::string& name) const {
    for (const PortSpec& p : policy_.ports.value) {
      if (p.name.usable() && p.name.value == name) return &p;
    }
    return nullptr;
  }

  void check_ports() {
    UniqueCheck<std::string> names(diag_, "name");
    UniqueCheck<int64_t> ids(diag_, "id");
    const auto& ports = policy_.ports.value;
    for (size_t i = 0; i < ports.size(); ++i) {
      const PortSpec& p = ports[i];
      const std::string path = "ports[" + std::to_string(i) + "]";
      required(p.name.present, p.mark, path + ".name");
      required(p.type.present, p.mark, path + ".type");
      diag_.check(kPortName, p.name, path + ".name");
      diag_.check(kPortNumber, p.id, path + ".id");
      diag_.check(kMtu, p.mtu, path + ".mtu");
      diag_.check(kMacLimit, p.mac_limit, path + ".mac_limit");
      if (p.name.usable())
        names.see(p.name.value, "'" + p.name.value + "'", p.name.mark, path + ".name", path);
      if (p.id.usable())
        ids.see(p.id.value, std::to_string(p.id.value), p.id.mark, path + ".id", path);
      const size_t errors_before = diag_.count();
      check_type_fields(p, path);
      if (p.type.usable() && diag_.count() == errors_before) check_as_the_dataplane_does(p, path);
      if (p.vlan.usable()) check_port_vlan(p.vlan.value, p.vlan.mark, path + ".vlan");
      if (p.security.usable()) check_port_security(p.security.value, p.security.mark, path + ".security");
    }
  }

  // Bounds keep one port's table-10 flows (2 per MAC and address, 6 more per MAC) near 2,000.
  static constexpr size_t kMaxSecurityMacs = 16;
  static constexpr size_t kMaxSecurityIps = 64;

  void check_port_security(const PortSecurity& s, Mark mark, const std::string& path) {
    if (!s.macs.present || (!s.macs.bad && s.macs.value.empty())) {
      diag_.add(s.macs.present ? s.macs.mark : mark, path + ".macs",
                "needs at least one MAC (the addresses the port may send from)");
    }
    if (s.macs.value.size() > kMaxSecurityMacs) {
      diag_.add(s.macs.mark, path + ".macs",
                "has " + std::to_string(s.macs.value.size()) + " MACs; at most " +
                    std::to_string(kMaxSecurityMacs) + " fit");
    }
    for (size_t j = 0; j < s.macs.value.size(); ++j) {
      diag_.check(kStaticMac, s.macs.value[j], path + ".macs[" + std::to_string(j) + "]");
    }
    if (s.ips.value.size() > kMaxSecurityIps) {
      diag_.add(s.ips.mark, path + ".ips",
                "has " + std::to_string(s.ips.value.size()) + " addresses; at most " +
                    std::to_string(kMaxSecurityIps) + " fit");
    }
    for (size_t j = 0; j < s.ips.value.size(); ++j) {
      diag_.check(kSecurityIp, s.ips.value[j], path + ".ips[" + std::to_string(j) + "]");
    }
  }

  // The dataplane checks every PORT_ADD's device and options (openflow/port_rules.h: option
  // whitelists per type, no key Sluice sets itself, pcap's device shape, a PCI address for
  // dpdk); a policy it would refuse is refused here, with the field's position, and never
  // half-applied.
  void check_as_the_dataplane_does(const PortSpec& p, const std::string& path) {
    const auto why = of::port_rules::check_port_add(make_port_add(p, 1));
    if (!why) return;
    if (p.options.present) {
      std::string_view sentence = *why;  // "options: key ..." names the field itself
      if (sentence.starts_with("options: ")) sentence.remove_prefix(9);
      diag_.add(p.options.mark, path + ".options", std::string(sentence));
    } else if (p.devargs.present) {
      diag_.add(p.devargs.mark, path + ".devargs", *why);
    } else {
      diag_.add(p.type.mark, path + ".type", *why);
    }
  }

  void check_type_fields(const PortSpec& p, const std::string& path) {
    diag_.check(kIfaceName, p.iface, path + ".iface");
    diag_.check(kSocketPath, p.path, path + ".path");
    diag_.check(kPcapFile, p.rx_pcap, path + ".rx_pcap");
    diag_.check(kPcapFile, p.tx_pcap, path + ".tx_pcap");
    diag_.check(kRingName, p.ring, path + ".ring");
    diag_.check(kDevargs, p.devargs, path + ".devargs");
    diag_.check(kOptions, p.options, path + ".options");
    if (!p.type.usable()) return;
    const char* type_name = port_type_name(p.type.value);
    for (const TypeRule& rule : kTypeRules) {
      if (rule.type != p.type.value) continue;
      std::string allowed_names;
      for (const FieldRef& f : type_fields(p)) {
        if ((rule.allowed & f.bit) != 0) {
          allowed_names += (allowed_names.empty() ? "" : ", ") + std::string(f.name);
        }
      }
      for (const FieldRef& f : type_fields(p)) {
        if ((rule.required & f.bit) != 0 && !f.present) {
          diag_.add(p.type.mark, path + "." + f.name,
                    std::string("is required for type ") + type_name);
        }
        if ((rule.allowed & f.bit) == 0 && f.present) {
          diag_.add(f.mark, path + "." + f.name,
                    std::string("is not allowed for type ") + type_name +
                        " (allowed: " + (allowed_names.empty() ? "none" : allowed_names) + ")");
        }
      }
    }
    if (p.type.value == of::PortType::kPcap) {
      if (!p.iface.present && !p.rx_pcap.present && !p.tx_pcap.present) {
        diag_.add(p.type.mark, path, "type pcap needs at least one of rx_pcap, tx_pcap, iface");
      }
      if (p.iface.present && (p.rx_pcap.present || p.tx_pcap.present)) {
        diag_.add(p.iface.mark, path + ".iface", "cannot be combined with rx_pcap/tx_pcap");
      }
    }
  }

  void check_vlan_ref(const Marked<int64_t>& v, const std::string& path) {
    diag_.check(kVlanId, v, path);
    if (!v.usable() || kVlanId.check(v.value) || vlans_.count(v.value) != 0) return;
    std::string known;
    for (int64_t n : vlans_) known += (known.empty() ? "" : ", ") + std::to_string(n);
    diag_.add(v.mark, path,
              "vlan " + std::to_string(v.value) + " is not a network's vlan (networks have: " +
                  (known.empty() ? "none" : known) + ")");
  }

  void check_port_vlan(const PortVlan& v, Mark mark, const std::string& path) {
    required(v.mode.present, mark, path + ".mode");
    if (!v.mode.usable()) return;
    if (v.mode.value == VlanMode::kAccess) {
      required(v.id.present, v.mode.mark, path + ".id");
      check_vlan_ref(v.id, path + ".id");
      if (v.allowed.present) diag_.add(v.allowed.mark, path + ".allowed", "is only for mode trunk");
      if (v.native.present) diag_.add(v.native.mark, path + ".native", "is only for mode trunk");
      return;
    }
    if (v.id.present) {
      diag_.add(v.id.mark, path + ".id", "is only for mode access (use allowed and native)");
    }
    if (!v.allowed.present || (v.allowed.usable() && v.allowed.value.empty())) {
      diag_.add(v.allowed.present ? v.allowed.mark : v.mode.mark, path + ".allowed",
                "a trunk needs at least one allowed vlan");
    }
    UniqueCheck<int64_t> seen(diag_, "vlan");
    const auto& allowed = v.allowed.value;
    size_t written = 0;  // a "300-310" range expands to several items sharing one position
    for (size_t i = 0; i < allowed.size(); ++i) {
      if (i > 0 && !(allowed[i].mark == allowed[i - 1].mark)) ++written;
      const std::string item = path + ".allowed[" + std::to_string(written) + "]";
      check_vlan_ref(allowed[i], item);
      seen.see(allowed[i].value, std::to_string(allowed[i].value), allowed[i].mark, item,
               "an earlier allowed entry");
    }
    check_vlan_ref(v.native, path + ".native");
  }

  const Policy& policy_;
  Diagnostics diag_;
  std::set<int64_t> vlans_;
};

}  // namespace

std::vector<ConfigError> validate(const Policy& policy) { return Validator(policy).run(); }

}  // namespace sluice::cp
