#include "openflow/l2_contract.h"

namespace sluice::of::l2 {
namespace {

constexpr uint16_t kEthertypeVlan = 0x8100;

FlowMod policy_flow(uint8_t table, uint16_t priority) {
  FlowMod fm;
  fm.cookie = kPolicyCookie;
  fm.table_id = table;
  fm.command = FlowModCommand::kAdd;
  fm.priority = priority;
  return fm;
}

// write_metadata:V/0xfff, goto_table:1 (the end of every table-0 flow).
void enter_bridge_domain(Instructions& ins, uint16_t vlan) {
  ins.present |= instr::kWriteMetadata | instr::kGotoTable;
  ins.metadata = vlan;
  ins.metadata_mask = kBridgeDomainMask;
  ins.goto_table = kL2Table;
}

void apply(Instructions& ins, const ActionList& actions) {
  ins.present |= instr::kApplyActions;
  ins.apply_actions = actions;
}

ActionList one(const Action& a) {
  ActionList list;
  list.push(a);
  return list;
}

}  // namespace

Action output(uint32_t port) {
  Action a;
  a.type = ActionType::kOutput;
  a.port = port;
  return a;
}

Action push_vlan() {
  Action a;
  a.type = ActionType::kPushVlan;
  a.ethertype = kEthertypeVlan;
  return a;
}

Action set_vlan_vid(uint16_t vid) {
  Action a;
  a.type = ActionType::kSetField;
  a.field = Field::kVlanVid;
  a.value = kVidPresent | vid;
  return a;
}

Action pop_vlan() {
  Action a;
  a.type = ActionType::kPopVlan;
  return a;
}

Action group(uint32_t group_id) {
  Action a;
  a.type = ActionType::kGroup;
  a.group_id = group_id;
  return a;
}

ActionList egress_actions(uint32_t port, uint16_t push_vid) {
  ActionList list;
  if (push_vid != 0) {
    list.push(push_vlan());
    list.push(set_vlan_vid(push_vid));
  }
  list.push(output(port));
  return list;
}

std::optional<Egress> parse_egress(const ActionList& actions) {
  auto a = actions.view();
  if (a.size() == 1 && a[0].type == ActionType::kOutput) return Egress{a[0].port, 0};
  if (a.size() == 3 && a[0].type == ActionType::kPushVlan && a[0].ethertype == kEthertypeVlan &&
      a[1].type == ActionType::kSetField && a[1].field == Field::kVlanVid &&
      (a[1].value & kVidPresent) != 0 && a[2].type == ActionType::kOutput) {
    const auto vid = static_cast<uint16_t>(a[1].value & 0xfff);
    if (vid == 0 || vid == 0xfff) return std::nullopt;
    return Egress{a[2].port, vid};
  }
  return std::nullopt;
}

Match match_ingress(uint32_t in_port, uint16_t vlan_vid) {
  Match m;
  m.present = field_bit(Field::kInPort) | field_bit(Field::kVlanVid);
  m.in_port = in_port;
  m.vlan_vid = vlan_vid;
  return m;
}

Match match_bd(uint16_t vlan) {
  Match m;
  m.present = field_bit(Field::kMetadata);
  m.masked = field_bit(Field::kMetadata);
  m.metadata = vlan;
  m.metadata_mask = kBridgeDomainMask;
  return m;
}

Match match_bd_dst(uint16_t vlan, const MacAddr& dst) {
  Match m = match_bd(vlan);
  m.present |= field_bit(Field::kEthDst);
  m.eth_dst = dst;
  return m;
}

FlowMod ingress_untagged(uint32_t port, uint16_t vlan) {
  FlowMod fm = policy_flow(kIngressTable, kIngressPriority);
  fm.match = match_ingress(port, kVidNone);
  enter_bridge_domain(fm.instructions, vlan);
  return fm;
}

FlowMod ingress_tagged(uint32_t port, uint16_t vlan) {
  FlowMod fm = policy_flow(kIngressTable, kIngressPriority);
  fm.match = match_ingress(port, kVidPresent | vlan);
  apply(fm.instructions, one(pop_vlan()));
  enter_bridge_domain(fm.instructions, vlan);
  return fm;
}

FlowMod flood_flow(uint16_t vlan) {
  FlowMod fm = policy_flow(kL2Table, kFloodPriority);
  fm.match = match_bd(vlan);
  apply(fm.instructions, one(group(vlan)));
  return fm;
}

FlowMod static_mac_flow(uint16_t vlan, const MacAddr& mac, const ActionList& egress) {
  FlowMod fm = policy_flow(kL2Table, kStaticMacPriority);
  fm.match = match_bd_dst(vlan, mac);
  apply(fm.instructions, egress);
  return fm;
}

void flood_group(uint16_t vlan, std::span<const ActionList> egresses, GroupDesc& out) {
  out.type = GroupType::kAll;
  out.group_id = vlan;
  out.n_buckets = 0;
  for (const ActionList& egress : egresses) {
    if (out.n_buckets == kMaxBuckets) break;
    Bucket& b = out.buckets[out.n_buckets++];
    b = Bucket{};
    b.actions = egress;
  }
}

}  // namespace sluice::of::l2
