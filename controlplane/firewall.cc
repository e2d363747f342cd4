#include "controlplane/firewall.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "controlplane/args.h"
#include "controlplane/compiler.h"
#include "openflow/l2_contract.h"

namespace sluice::cp {

namespace {

namespace fw = of::firewall;

constexpr NameArg kGroupName{1, 32, "_-"};
constexpr NameArg kRuleId{1, 64, "_.:-"};
constexpr NameArg kLabelText{1, 63, "_.-/"};
constexpr BoundedInt kL4Port{1, 65535};
constexpr BoundedInt kIcmpNumber{0, 255};
constexpr Ipv4PrefixArg kCidr{
    "the firewall matches IPv4 addresses only (IPv6 follows each network's firewall_default)"};
constexpr std::string_view kAny = "any";

std::string item(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

bool has_labels(const PortSpec& port, const std::vector<Label>& selector) {
  for (const Label& want : selector) {
    const bool found = std::any_of(port.labels.value.begin(), port.labels.value.end(),
                                   [&](const Label& l) {
                                     return l.key.value == want.key.value &&
                                            l.value.value == want.value.value;
                                   });
    if (!found) return false;
  }
  return true;
}

// The ports a group names or selects, in file order, each once.
std::vector<size_t> member_ports(const Policy& policy, const SecurityGroup& g) {
  const auto& ports = policy.ports.value;
  std::vector<size_t> out;
  for (size_t i = 0; i < ports.size(); ++i) {
    const bool named = std::any_of(g.ports.value.begin(), g.ports.value.end(),
                                   [&](const Marked<std::string>& n) {
                                     return n.value == ports[i].name.value;
                                   });
    const bool selected = g.selector.present && !g.selector.value.empty() &&
                          has_labels(ports[i], g.selector.value);
    if (named || selected) out.push_back(i);
  }
  return out;
}

// The VLANs a port carries (its bridge domains), ascending.
std::vector<uint16_t> port_vlans(const PortSpec& port) {
  if (!port.vlan.usable()) return {};
  const PortVlan& pv = port.vlan.value;
  if (pv.mode.value == VlanMode::kAccess) return {static_cast<uint16_t>(pv.id.value)};
  return tagged_vlans(pv);
}

class FirewallCheck {
 public:
  FirewallCheck(const Policy& policy, Diagnostics& diag) : policy_(policy), diag_(diag) {}

  void run() {
    const bool on = policy_.firewall.present;
    const auto& nets = policy_.networks.value;
    for (size_t i = 0; i < nets.size(); ++i) {
      if (nets[i].firewall_default.present && !on) {
        diag_.add(nets[i].firewall_default.mark, item("networks", i) + ".firewall_default",
                  "has no effect: the policy has no firewall: section");
      }
    }
    check_labels();
    check_groups();
    check_rules();
  }

 private:
  void check_label_map(const std::vector<Label>& labels, const std::string& path) {
    for (const Label& l : labels) {
      diag_.check(kLabelText, l.key, path);
      diag_.check(kLabelText, l.value, path + "." + l.key.value);
    }
  }

  void check_labels() {
    const auto& ports = policy_.ports.value;
    for (size_t i = 0; i < ports.size(); ++i) {
      check_label_map(ports[i].labels.value, item("ports", i) + ".labels");
    }
  }

  void check_groups() {
    const auto& groups = policy_.security_groups.value;
    std::map<std::string, Mark> names;
    for (size_t i = 0; i < groups.size(); ++i) {
      const SecurityGroup& g = groups[i];
      const std::string path = item("security_groups", i);
      if (!g.name.present) diag_.add(g.mark, path + ".name", "is required");
      diag_.check(kGroupName, g.name, path + ".name");
      if (g.name.usable()) {
        if (g.name.value == kAny) {
          diag_.add(g.name.mark, path + ".name", "'any' is reserved (it means every address)");
        } else if (auto [it, fresh] = names.emplace(g.name.value, g.name.mark); !fresh) {
          diag_.add(g.name.mark, path + ".name",
                    "group '" + g.name.value + "' is already defined (line " +
                        std::to_string(it->second.line) + ")");
        }
      }
      if (!g.ports.present && !g.selector.present && !g.cidrs.present) {
        diag_.add(g.mark, path, "a group needs members: ports, selector or cidrs");
      }
      check_group_ports(g, path);
      check_label_map(g.selector.value, path + ".selector");
      if (g.selector.present && !g.selector.bad && g.selector.value.empty()) {
        diag_.add(g.selector.mark, path + ".selector",
                  "an empty selector would select every port; name the labels to match");
      }
      for (size_t j = 0; j < g.cidrs.value.size(); ++j) {
        diag_.check(kCidr, g.cidrs.value[j], item(path + ".cidrs", j));
      }
    }
  }

  void check_group_ports(const SecurityGroup& g, const std::string& path) {
    const auto& ports = policy_.ports.value;
    for (size_t j = 0; j < g.ports.value.size(); ++j) {
      const Marked<std::string>& name = g.ports.value[j];
      if (!name.usable()) continue;
      const auto it = std::find_if(ports.begin(), ports.end(), [&](const PortSpec& p) {
        return p.name.usable() && p.name.value == name.value;
      });
      if (it == ports.end()) {
        diag_.add(name.mark, item(path + ".ports", j), "no port is named '" + name.value + "'");
      } else {
        needs_addresses(*it, name.mark, item(path + ".ports", j));
      }
    }
    if (!g.selector.usable()) return;
    for (const size_t i : member_ports(policy_, g)) {
      const bool named = std::any_of(g.ports.value.begin(), g.ports.value.end(),
                                     [&](const auto& n) { return n.value == ports[i].name.value; });
      if (!named) needs_addresses(ports[i], g.selector.mark, path + ".selector");
    }
  }

  // A port in a group stands for its addresses: it needs security.ips.
  void needs_addresses(const PortSpec& port, Mark mark, const std::string& path) {
    if (port.security.usable() && !port.security.value.ips.value.empty()) return;
    diag_.add(mark, path,
              "port '" + port.name.value +
                  "' has no security.ips; a group matches its ports by the addresses port "
                  "security lets them send from");
  }

  bool known_group(const std::string& name) const {
    return std::any_of(policy_.security_groups.value.begin(), policy_.security_groups.value.end(),
                       [&](const SecurityGroup& g) { return g.name.value == name; });
  }

  void check_side(const FirewallRule& r, const Marked<std::vector<Marked<std::string>>>& side,
                  const std::string& path) {
    if (!side.present) return diag_.add(r.mark, path, "is required (a group name, a list, or any)");
    if (!side.bad && side.value.empty()) {
      diag_.add(side.mark, path, "is empty; write any for every address");
    }
    for (size_t j = 0; j < side.value.size(); ++j) {
      const Marked<std::string>& name = side.value[j];
      if (!name.usable() || name.value == kAny || known_group(name.value)) continue;
      std::string known;
      for (const SecurityGroup& g : policy_.security_groups.value) {
        if (g.name.usable()) known += (known.empty() ? "" : ", ") + g.name.value;
      }
      diag_.add(name.mark, side.value.size() == 1 && side.mark == name.mark ? path : item(path, j),
                "no security group is named '" + name.value + "' (groups: " +
                    (known.empty() ? "none" : known) + "; or any)");
    }
  }

  void check_rules() {
    const auto& rules = policy_.firewall.value.rules.value;
    if (rules.size() > fw::kMaxRules) {
      diag_.add(policy_.firewall.value.rules.mark, "firewall.rules",
                "has " + std::to_string(rules.size()) + " rules; at most " +
                    std::to_string(fw::kMaxRules) + " fit");
    }
    std::map<std::string, Mark> ids;
    for (size_t i = 0; i < rules.size(); ++i) {
      const FirewallRule& r = rules[i];
      const std::string path = item("firewall.rules", i);
      if (!r.id.present) diag_.add(r.mark, path + ".id", "is required (a name for counters and logs)");
      diag_.check(kRuleId, r.id, path + ".id");
      if (r.id.usable()) {
        if (auto [it, fresh] = ids.emplace(r.id.value, r.id.mark); !fresh) {
          diag_.add(r.id.mark, path + ".id",
                    "rule id '" + r.id.value + "' is already used (line " +
                        std::to_string(it->second.line) + ")");
        }
      }
      check_side(r, r.from, path + ".from");
      check_side(r, r.to, path + ".to");
      if (!r.action.present) diag_.add(r.mark, path + ".action", "is required (allow, deny or reject)");
      check_protocol(r, path);
    }
  }

  void check_protocol(const FirewallRule& r, const std::string& path) {
    const FwProtocol proto = r.protocol.value;
    const bool l4 = proto == FwProtocol::kTcp || proto == FwProtocol::kUdp;
    if (r.ports.present && !r.protocol.bad && !l4) {
      diag_.add(r.ports.mark, path + ".ports", "ports need protocol tcp or udp");
    }
    for (size_t j = 0; j < r.ports.value.size(); ++j) {
      const Marked<PortSpan>& span = r.ports.value[j];
      if (!span.usable()) continue;
      const std::string ipath = item(path + ".ports", j);
      bool ok = true;
      for (int64_t end : {span.value.lo, span.value.hi}) {
        if (auto message = kL4Port.check(end)) {
          diag_.add(span.mark, ipath, *message);
          ok = false;
          break;
        }
      }
      if (ok && span.value.lo > span.value.hi) {
        diag_.add(span.mark, ipath,
                  "range " + std::to_string(span.value.lo) + "-" + std::to_string(span.value.hi) +
                      " is empty");
      }
    }
    for (const Marked<int64_t>* f : {&r.icmp_type, &r.icmp_code}) {
      if (!f->present) continue;
      const std::string fpath = path + (f == &r.icmp_type ? ".icmp.type" : ".icmp.code");
      if (!r.protocol.bad && proto != FwProtocol::kIcmp) {
        diag_.add(f->mark, fpath, "is only for protocol icmp");
      }
      diag_.check(kIcmpNumber, *f, fpath);
    }
  }

  const Policy& policy_;
  Diagnostics& diag_;
};

struct Resolver {
  const Policy& policy;
  const std::vector<uint32_t>& numbers;

  // The endpoints of one side of a rule; 'source' keeps each port member's switch port.
  std::vector<fw::Endpoint> side(const std::vector<Marked<std::string>>& names, bool source) const {
    std::set<fw::Endpoint> out;
    for (const Marked<std::string>& name : names) {
      if (name.value == kAny) {
        out.insert(fw::Endpoint{});
        continue;
      }
      for (const SecurityGroup& g : policy.security_groups.value) {
        if (g.name.value == name.value) add_group(g, source, out);
      }
    }
    return {out.begin(), out.end()};
  }

  void add_group(const SecurityGroup& g, bool source, std::set<fw::Endpoint>& out) const {
    const auto& ports = policy.ports.value;
    for (const size_t i : member_ports(policy, g)) {
      const std::vector<uint16_t> vlans = port_vlans(ports[i]);
      if (vlans.empty()) continue;  // in no network: it cannot send or receive
      for (const auto& ip : ports[i].security.value.ips.value) {
        const auto prefix = parse_ipv4_prefix(ip.value);
        if (!prefix) continue;
        out.insert(fw::Endpoint{source ? numbers[i] : 0, *prefix, vlans});
      }
    }
    for (const auto& cidr : g.cidrs.value) {
      if (const auto prefix = parse_ipv4_prefix(cidr.value)) out.insert(fw::Endpoint{0, *prefix, {}});
    }
  }
};

fw::Proto proto_of(FwProtocol p) {
  switch (p) {
    case FwProtocol::kTcp:
      return fw::Proto::kTcp;
    case FwProtocol::kUdp:
      return fw::Proto::kUdp;
    case FwProtocol::kIcmp:
      return fw::Proto::kIcmp;
    case FwProtocol::kAny:
      break;
  }
  return fw::Proto::kAny;
}

}  // namespace

void check_firewall(const Policy& policy, Diagnostics& diag) {
  const size_t before = diag.count();
  FirewallCheck(policy, diag).run();
  if (!policy.firewall.present || diag.count() != before) return;
  const size_t flows = fw::count_flows(firewall_spec(policy, assign_port_numbers(policy)));
  if (flows > kMaxFirewallFlows) {
    diag.add(policy.firewall.mark, "firewall",
             "compiles to " + std::to_string(flows) + " flows; at most " +
                 std::to_string(kMaxFirewallFlows) +
                 " fit (rules multiply: each from-address x to-address x port range; use "
                 "prefixes and ranges)");
  }
}

of::firewall::Spec firewall_spec(const Policy& policy, const std::vector<uint32_t>& port_numbers) {
  fw::Spec spec;
  spec.next_table = of::l2::kL2Table;
  for (const Network& n : policy.networks.value) {
    spec.networks.push_back(fw::Network{static_cast<uint16_t>(n.vlan.value),
                                        n.firewall_default.value == FwAction::kAllow});
  }
  const Resolver resolve{policy, port_numbers};
  uint32_t number = 0;
  for (const FirewallRule& r : policy.firewall.value.rules.value) {
    fw::Rule rule;
    rule.number = ++number;
    rule.from = resolve.side(r.from.value, true);
    rule.to = resolve.side(r.to.value, false);
    rule.proto = proto_of(r.protocol.value);
    for (const auto& span : r.ports.value) {
      rule.ports.push_back(fw::PortRange{static_cast<uint16_t>(span.value.lo),
                                         static_cast<uint16_t>(span.value.hi)});
    }
    if (r.icmp_type.present) rule.icmp_type = static_cast<int16_t>(r.icmp_type.value);
    if (r.icmp_code.present) rule.icmp_code = static_cast<int16_t>(r.icmp_code.value);
    switch (r.action.value) {
      case FwAction::kAllow:
        rule.verdict = fw::Verdict::kAllow;
        break;
      case FwAction::kDeny:
        rule.verdict = fw::Verdict::kDeny;
        break;
      case FwAction::kReject:
        rule.verdict = fw::Verdict::kReject;
        break;
    }
    rule.log = r.log.usable() && r.log.value;
    spec.rules.push_back(std::move(rule));
  }
  return spec;
}

RuleReport rule_report(const std::vector<of::FlowStats>& flows, const Policy* policy) {
  RuleReport report;
  std::map<uint32_t, RuleRow> rules;     // by rule number
  std::map<uint32_t, RuleRow> defaults;  // by VLAN
  RuleRow invalid{"invalid", "drop"};
  RuleRow ipv6{"ipv6", "drop"};
  bool any_invalid = false, any_ipv6_drop = false;
  auto rule_row = [&](uint32_t number) -> RuleRow& {
    RuleRow& row = rules[number];
    if (row.name.empty()) row.name = "#" + std::to_string(number);
    return row;
  };
  for (const of::FlowStats& fs : flows) {
    const auto info = fw::parse_cookie(fs.cookie);
    if (!info) continue;
    const bool drops = (fs.instructions.present & of::instr::kGotoTable) == 0;
    switch (info->kind) {
      case fw::Kind::kCheck:
      case fw::Kind::kReject: {
        RuleRow& row = rule_row(info->number);
        if (info->kind == fw::Kind::kReject) {
          row.action = "reject";
        } else if (row.action != "reject") {
          row.action = drops ? "deny" : "allow";
        }
        row.checked += fs.packet_count;
        row.bytes += fs.byte_count;
        break;
      }
      case fw::Kind::kEstablished: {
        if (fs.match.has(of::Field::kCtMark)) {
          report.installed_version = fs.match.ct_mark >> fw::kRuleBits;
        }
        RuleRow& row = info->number == 0 ? defaults[0] : rule_row(info->number);
        row.established += fs.packet_count;
        row.bytes += fs.byte_count;
        break;
      }
      case fw::Kind::kDefault: {
        RuleRow& row = defaults[info->number];
        row.action = drops ? "deny" : "allow";
        row.checked += fs.packet_count;
        row.bytes += fs.byte_count;
        break;
      }
      case fw::Kind::kRelated:
        if (fs.match.has(of::Field::kCtMark)) {
          report.installed_version = fs.match.ct_mark >> fw::kRuleBits;
        }
        break;
      case fw::Kind::kInvalid:
        any_invalid = true;
        invalid.checked += fs.packet_count;
        invalid.bytes += fs.byte_count;
        break;
      case fw::Kind::kIpv6:
        if (drops) {
          any_ipv6_drop = true;
          ipv6.checked += fs.packet_count;
          ipv6.bytes += fs.byte_count;
        }
        break;
      case fw::Kind::kTrack:
      case fw::Kind::kPass:
        break;
    }
  }
  if (policy != nullptr && policy->firewall.present) {
    report.policy_version = fw::version(firewall_spec(*policy, assign_port_numbers(*policy)));
    const auto& list = policy->firewall.value.rules.value;
    for (size_t i = 0; i < list.size(); ++i) {
      RuleRow& row = rule_row(static_cast<uint32_t>(i + 1));
      row.name = list[i].id.value;
      if (row.action.empty()) {
        row.action = list[i].action.value == FwAction::kAllow ? "allow" : "deny";
      }
    }
  }
  auto network_name = [&](uint32_t vlan) {
    if (policy != nullptr) {
      for (const Network& n : policy->networks.value) {
        if (n.vlan.value == vlan && n.name.present) return n.name.value + " (vlan " + std::to_string(vlan) + ")";
      }
    }
    return "vlan " + std::to_string(vlan);
  };
  for (auto& [number, row] : rules) report.rows.push_back(row);
  // The default's established packets (mark 0) belong to every default-allow network at once.
  const uint64_t default_established = defaults.count(0) ? defaults[0].established : 0;
  const uint64_t default_bytes = defaults.count(0) ? defaults[0].bytes : 0;
  defaults.erase(0);
  bool first_allow = true;
  for (auto& [vlan, row] : defaults) {
    row.name = "default " + network_name(vlan);
    if (row.action == "allow" && first_allow) {
      row.established += default_established;  // shared: shown once, on the first
      row.bytes += default_bytes;
      first_allow = false;
    }
    report.rows.push_back(row);
  }
  if (any_invalid) report.rows.push_back(invalid);
  if (any_ipv6_drop) report.rows.push_back(ipv6);
  return report;
}

std::string format_rule_report(const RuleReport& report, bool json) {
  std::string out;
  char line[256];
  if (json) {
    out = "{\"version\": " + std::to_string(report.installed_version) + ", \"rules\": [";
    for (size_t i = 0; i < report.rows.size(); ++i) {
      const RuleRow& r = report.rows[i];
      std::snprintf(line, sizeof line,
                    "%s{\"rule\": \"%s\", \"action\": \"%s\", \"checked\": %llu, "
                    "\"established\": %llu, \"bytes\": %llu}",
                    i == 0 ? "" : ", ", r.name.c_str(), r.action.c_str(),
                    static_cast<unsigned long long>(r.checked),
                    static_cast<unsigned long long>(r.established),
                    static_cast<unsigned long long>(r.bytes));
      out += line;
    }
    return out + "]}\n";
  }
  std::snprintf(line, sizeof line, "%-32s %-6s %14s %14s %16s\n", "RULE", "ACTION", "CHECKED",
                "ESTABLISHED", "BYTES");
  out = line;
  for (const RuleRow& r : report.rows) {
    std::snprintf(line, sizeof line, "%-32s %-6s %14llu %14llu %16llu\n", r.name.c_str(),
                  r.action.c_str(), static_cast<unsigned long long>(r.checked),
                  static_cast<unsigned long long>(r.established),
                  static_cast<unsigned long long>(r.bytes));
    out += line;
  }
  return out;
}

}  // namespace sluice::cp
