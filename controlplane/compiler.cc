#include "controlplane/compiler.h"

#include <algorithm>
#include <set>

#include "controlplane/args.h"
#include "controlplane/firewall.h"
#include "openflow/l2_contract.h"
#include "openflow/oxm.h"
#include "openflow/port_security.h"

namespace sluice::cp {

of::ActionList egress_actions(const PortSpec& port, uint32_t port_no, uint16_t vlan) {
  const PortVlan& pv = port.vlan.value;
  const bool tagged =
      pv.mode.value == VlanMode::kTrunk && !(pv.native.present && pv.native.value == vlan);
  return of::l2::egress_actions(port_no, tagged ? vlan : 0);
}

namespace {

void add_ingress_flows(const PortSpec& port, uint32_t port_no, std::vector<of::FlowMod>& out) {
  if (!port.vlan.present) return;
  const PortVlan& pv = port.vlan.value;
  if (pv.mode.value == VlanMode::kAccess) {
    out.push_back(of::l2::ingress_untagged(port_no, static_cast<uint16_t>(pv.id.value)));
    return;
  }
  if (pv.native.present) {
    out.push_back(of::l2::ingress_untagged(port_no, static_cast<uint16_t>(pv.native.value)));
  }
  for (uint16_t vlan : tagged_vlans(pv)) out.push_back(of::l2::ingress_tagged(port_no, vlan));
}

// Where ingress and port security send a frame next: the firewall when there is one.
uint8_t after_ingress(const Policy& policy) {
  return policy.firewall.present ? of::firewall::kCtTable : of::l2::kL2Table;
}

// Table 10 for a port with 'security' (openflow/port_security.h), going on to 'next'.
of::port_security::PortRule security_rule(const PortSpec& port, uint32_t port_no, uint8_t next) {
  of::port_security::PortRule rule;
  rule.port = port_no;
  rule.next_table = next;
  std::set<uint64_t> macs;
  for (const auto& m : port.security.value.macs.value) macs.insert(of::mac_to_u64(m.value));
  std::set<of::port_security::Prefix> prefixes;
  for (const auto& ip : port.security.value.ips.value) {
    if (auto p = parse_ipv4_prefix(ip.value)) prefixes.insert(*p);
  }
  rule.macs.assign(macs.begin(), macs.end());
  rule.prefixes.assign(prefixes.begin(), prefixes.end());
  return rule;
}

void add_port_security(const PortSpec& port, uint32_t port_no, uint8_t next,
                       std::vector<of::FlowMod>& out) {
  for (of::FlowMod& fm : of::port_security::port_flows(security_rule(port, port_no, next),
                                                       of::l2::kPolicyCookie)) {
    out.push_back(std::move(fm));
  }
}

void add_network(const Policy& policy, const std::vector<uint32_t>& numbers, const Network& net,
                 DesiredState& out) {
  const auto vlan = static_cast<uint16_t>(net.vlan.value);
  const auto& ports = policy.ports.value;

  std::vector<of::ActionList> members;
  for (size_t i = 0; i < ports.size(); ++i) {
    if (is_member(ports[i], vlan)) members.push_back(egress_actions(ports[i], numbers[i], vlan));
  }
  of::l2::flood_group(vlan, members, out.groups.emplace_back());
  out.flows.push_back(of::l2::flood_flow(vlan));

  for (const StaticMac& sm : net.static_macs.value) {
    for (size_t i = 0; i < ports.size(); ++i) {
      if (ports[i].name.value != sm.port.value) continue;
      out.flows.push_back(
          of::l2::static_mac_flow(vlan, sm.mac.value, egress_actions(ports[i], numbers[i], vlan)));
    }
  }
}

}  // namespace

std::vector<uint32_t> assign_port_numbers(const Policy& policy) {
  const auto& ports = policy.ports.value;
  std::set<uint32_t> taken;
  for (const PortSpec& p : ports) {
    if (p.id.usable()) taken.insert(static_cast<uint32_t>(p.id.value));
  }
  std::vector<uint32_t> numbers;
  uint32_t next = 1;
  for (const PortSpec& p : ports) {
    if (p.id.usable()) {
      numbers.push_back(static_cast<uint32_t>(p.id.value));
      continue;
    }
    while (taken.count(next) != 0) ++next;
    taken.insert(next);
    numbers.push_back(next);
  }
  return numbers;
}

bool is_member(const PortSpec& port, int64_t vlan) {
  if (!port.vlan.usable()) return false;
  const PortVlan& pv = port.vlan.value;
  if (pv.mode.value == VlanMode::kAccess) return pv.id.usable() && pv.id.value == vlan;
  if (pv.native.usable() && pv.native.value == vlan) return true;
  for (const auto& v : pv.allowed.value) {
    if (v.value == vlan) return true;
  }
  return false;
}

std::vector<uint16_t> tagged_vlans(const PortVlan& vlan) {
  std::set<uint16_t> vlans;
  for (const auto& v : vlan.allowed.value) vlans.insert(static_cast<uint16_t>(v.value));
  if (vlan.native.present) vlans.insert(static_cast<uint16_t>(vlan.native.value));
  return {vlans.begin(), vlans.end()};
}

of::PortAdd make_port_add(const PortSpec& port, uint32_t port_no) {
  of::PortAdd add;
  add.port_no = port_no;
  add.type = port.type.value;
  add.mtu = static_cast<uint16_t>(port.mtu.value);
  add.name.assign(port.name.value);
  add.options.assign(port.options.value);
  std::string device;
  switch (port.type.value) {
    case of::PortType::kVhostUser:
      device = port.path.value;
      if (port.mode.present && port.mode.value == VhostMode::kClient) {
        add.flags |= of::port_flags::kVhostClient;
      }
      break;
    case of::PortType::kAfPacket:
    case of::PortType::kTap:
      device = port.iface.value;
      break;
    case of::PortType::kPcap:
      if (port.iface.present) {
        device = "iface=" + port.iface.value;
      } else {
        if (port.rx_pcap.present) device = "rx_pcap=" + port.rx_pcap.value;
        if (port.tx_pcap.present) {
          device += (device.empty() ? "" : ",") + std::string("tx_pcap=") + port.tx_pcap.value;
        }
      }
      break;
    case of::PortType::kRing:
      device = port.ring.value;
      break;
    case of::PortType::kDpdk:
      device = port.devargs.value;
      break;
    case of::PortType::kNull:
      break;
  }
  add.device.assign(device);
  return add;
}

DesiredState compile(const Policy& policy) {
  DesiredState out;
  const auto& ports = policy.ports.value;
  const SwitchSettings& sw = policy.switch_settings.value;
  const std::vector<uint32_t> numbers = assign_port_numbers(policy);

  for (size_t i = 0; i < ports.size(); ++i) {
    out.ports.push_back(make_port_add(ports[i], numbers[i]));
    of::PortSet set;
    set.port_no = numbers[i];
    set.mtu = static_cast<uint16_t>(ports[i].mtu.value);
    set.admin_up = ports[i].admin.value == AdminState::kUp ? 1 : 0;
    set.mac_limit = static_cast<uint32_t>(ports[i].mac_limit.present ? ports[i].mac_limit.value
                                                                     : sw.mac_limit_per_port.value);
    out.port_settings.push_back(set);
  }
  out.switch_config.mac_aging_seconds = static_cast<uint32_t>(sw.mac_aging_seconds.value);
  out.switch_config.learning_table = of::l2::kL2Table;

  for (const Network& net : policy.networks.value) add_network(policy, numbers, net, out);
  if (policy.firewall.present) {
    for (of::FlowMod& fm : of::firewall::flows(firewall_spec(policy, numbers),
                                               of::l2::kPolicyCookie)) {
      out.flows.push_back(std::move(fm));
    }
  }
  const uint8_t next = after_ingress(policy);
  for (size_t i = 0; i < ports.size(); ++i) {
    const size_t first = out.flows.size();
    add_ingress_flows(ports[i], numbers[i], out.flows);
    for (size_t f = first; f < out.flows.size(); ++f) out.flows[f].instructions.goto_table = next;
    if (ports[i].security.present && out.flows.size() > first) {
      add_port_security(ports[i], numbers[i], next, out.flows);
      // The port's frames go through table 10 on their way on.
      for (size_t f = first; f < out.flows.size(); ++f) {
        if (out.flows[f].table_id == of::l2::kIngressTable) {
          out.flows[f].instructions.goto_table = of::l2::kPortSecurityTable;
        }
      }
    }
  }
  return out;
}

size_t count_flows(const Policy& policy) {
  size_t n = 0;
  if (policy.firewall.present) {
    n += of::firewall::count_flows(firewall_spec(policy, assign_port_numbers(policy)));
  }
  for (const Network& net : policy.networks.value) n += 1 + net.static_macs.value.size();
  for (const PortSpec& port : policy.ports.value) {
    if (!port.vlan.present) continue;
    if (port.security.present) {
      n += of::port_security::port_flows(security_rule(port, 0, 0), 0).size();
    }
    const PortVlan& pv = port.vlan.value;
    if (pv.mode.value == VlanMode::kAccess) {
      n += 1;
    } else {
      n += (pv.native.present ? 1 : 0) + tagged_vlans(pv).size();
    }
  }
  return n;
}

}  // namespace sluice::cp
