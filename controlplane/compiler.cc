#include "controlplane/compiler.h"

#include <algorithm>
#include <set>

namespace sluice::cp {

namespace {

of::Action output(uint32_t port) {
  of::Action a;
  a.type = of::ActionType::kOutput;
  a.port = port;
  return a;
}

of::Action push_vlan() {
  of::Action a;
  a.type = of::ActionType::kPushVlan;
  a.ethertype = 0x8100;
  return a;
}

of::Action set_vlan_vid(uint16_t vlan) {
  of::Action a;
  a.type = of::ActionType::kSetField;
  a.field = of::Field::kVlanVid;
  a.value = of::kVidPresent | vlan;
  return a;
}

of::Action pop_vlan() {
  of::Action a;
  a.type = of::ActionType::kPopVlan;
  return a;
}

of::Action group(uint32_t group_id) {
  of::Action a;
  a.type = of::ActionType::kGroup;
  a.group_id = group_id;
  return a;
}

of::FlowMod policy_flow(uint8_t table, uint16_t priority) {
  of::FlowMod fm;
  fm.cookie = kPolicyCookie;
  fm.table_id = table;
  fm.command = of::FlowModCommand::kAdd;
  fm.priority = priority;
  return fm;
}

void match_bridge_domain(of::Match& m, uint16_t vlan) {
  m.present |= of::field_bit(of::Field::kMetadata);
  m.masked |= of::field_bit(of::Field::kMetadata);
  m.metadata = vlan;
  m.metadata_mask = kBridgeDomainMask;
}

void set_bridge_domain_and_goto_l2(of::Instructions& ins, uint16_t vlan) {
  ins.present |= of::instr::kWriteMetadata | of::instr::kGotoTable;
  ins.metadata = vlan;
  ins.metadata_mask = kBridgeDomainMask;
  ins.goto_table = kL2Table;
}

// The egress action list of 'port' in bridge domain 'vlan' (its bucket in group 'vlan').
of::ActionList egress_actions(const PortSpec& port, uint32_t port_no, uint16_t vlan) {
  of::ActionList list;
  const PortVlan& pv = port.vlan.value;
  const bool tagged =
      pv.mode.value == VlanMode::kTrunk && !(pv.native.present && pv.native.value == vlan);
  if (tagged) {
    list.push(push_vlan());
    list.push(set_vlan_vid(vlan));
  }
  list.push(output(port_no));
  return list;
}

of::FlowMod ingress_flow(uint32_t port_no, uint16_t vid_match, uint16_t vlan, bool pop) {
  of::FlowMod fm = policy_flow(kIngressTable, kIngressPriority);
  fm.match.present = of::field_bit(of::Field::kInPort) | of::field_bit(of::Field::kVlanVid);
  fm.match.in_port = port_no;
  fm.match.vlan_vid = vid_match;
  if (pop) {
    fm.instructions.present |= of::instr::kApplyActions;
    fm.instructions.apply_actions.push(pop_vlan());
  }
  set_bridge_domain_and_goto_l2(fm.instructions, vlan);
  return fm;
}

void add_ingress_flows(const PortSpec& port, uint32_t port_no, std::vector<of::FlowMod>& out) {
  if (!port.vlan.present) return;
  const PortVlan& pv = port.vlan.value;
  if (pv.mode.value == VlanMode::kAccess) {
    out.push_back(ingress_flow(port_no, of::kVidNone, static_cast<uint16_t>(pv.id.value), false));
    return;
  }
  if (pv.native.present) {
    out.push_back(
        ingress_flow(port_no, of::kVidNone, static_cast<uint16_t>(pv.native.value), false));
  }
  for (uint16_t vlan : tagged_vlans(pv)) {
    out.push_back(ingress_flow(port_no, of::kVidPresent | vlan, vlan, true));
  }
}

void add_network(const Policy& policy, const std::vector<uint32_t>& numbers, const Network& net,
                 DesiredState& out) {
  const auto vlan = static_cast<uint16_t>(net.vlan.value);
  const auto& ports = policy.ports.value;

  of::GroupDesc& g = out.groups.emplace_back();
  g.type = of::GroupType::kAll;
  g.group_id = vlan;
  for (size_t i = 0; i < ports.size(); ++i) {
    if (!is_member(ports[i], vlan) || g.n_buckets == of::kMaxBuckets) continue;
    g.buckets[g.n_buckets++].actions = egress_actions(ports[i], numbers[i], vlan);
  }

  of::FlowMod flood = policy_flow(kL2Table, kFloodPriority);
  match_bridge_domain(flood.match, vlan);
  flood.instructions.present = of::instr::kApplyActions;
  flood.instructions.apply_actions.push(group(vlan));
  out.flows.push_back(flood);

  for (const StaticMac& sm : net.static_macs.value) {
    for (size_t i = 0; i < ports.size(); ++i) {
      if (ports[i].name.value != sm.port.value) continue;
      of::FlowMod fm = policy_flow(kL2Table, kStaticMacPriority);
      match_bridge_domain(fm.match, vlan);
      fm.match.present |= of::field_bit(of::Field::kEthDst);
      fm.match.eth_dst = sm.mac.value;
      fm.instructions.present = of::instr::kApplyActions;
      fm.instructions.apply_actions = egress_actions(ports[i], numbers[i], vlan);
      out.flows.push_back(fm);
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

  for (const Network& net : policy.networks.value) add_network(policy, numbers, net, out);
  for (size_t i = 0; i < ports.size(); ++i) add_ingress_flows(ports[i], numbers[i], out.flows);
  return out;
}

size_t count_flows(const Policy& policy) {
  size_t n = 0;
  for (const Network& net : policy.networks.value) n += 1 + net.static_macs.value.size();
  for (const PortSpec& port : policy.ports.value) {
    if (!port.vlan.present) continue;
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
