#include "tests/testlib/of_builders.h"

namespace sluice::test {

using of::Action;
using of::ActionType;
using of::Field;

Action output(uint32_t port) {
  Action a;
  a.type = ActionType::kOutput;
  a.port = port;
  return a;
}
Action pop_vlan() {
  Action a;
  a.type = ActionType::kPopVlan;
  return a;
}
Action push_vlan(uint16_t ethertype) {
  Action a;
  a.type = ActionType::kPushVlan;
  a.ethertype = ethertype;
  return a;
}
Action set_vlan_vid(uint16_t vid) {
  Action a;
  a.type = ActionType::kSetField;
  a.field = Field::kVlanVid;
  a.value = of::kVidPresent | vid;
  return a;
}
Action group(uint32_t group_id) {
  Action a;
  a.type = ActionType::kGroup;
  a.group_id = group_id;
  return a;
}
of::ActionList actions(std::initializer_list<Action> list) {
  of::ActionList out;
  for (const Action& a : list) out.push(a);
  return out;
}
of::ActionList egress_actions(uint32_t port, uint16_t push_vid) {
  if (push_vid == 0) return actions({output(port)});
  return actions({push_vlan(), set_vlan_vid(push_vid), output(port)});
}

of::Match match_ingress(uint32_t in_port, uint16_t vlan_vid) {
  of::Match m;
  m.present = of::field_bit(Field::kInPort) | of::field_bit(Field::kVlanVid);
  m.in_port = in_port;
  m.vlan_vid = vlan_vid;
  return m;
}
of::Match match_bd(uint16_t vlan) {
  of::Match m;
  m.present = of::field_bit(Field::kMetadata);
  m.masked = of::field_bit(Field::kMetadata);
  m.metadata = vlan;
  m.metadata_mask = 0xfff;
  return m;
}
of::Match match_bd_dst(uint16_t vlan, const of::MacAddr& dst) {
  of::Match m = match_bd(vlan);
  m.present |= of::field_bit(Field::kEthDst);
  m.eth_dst = dst;
  return m;
}

namespace {
of::FlowMod base_flow(uint8_t table, uint16_t priority) {
  of::FlowMod fm;
  fm.cookie = kPolicyCookie;
  fm.table_id = table;
  fm.command = of::FlowModCommand::kAdd;
  fm.priority = priority;
  return fm;
}
}  // namespace

of::FlowMod ingress_untagged(uint32_t port, uint16_t vlan) {
  of::FlowMod fm = base_flow(0, kIngressPriority);
  fm.match = match_ingress(port, of::kVidNone);
  fm.instructions.present = of::instr::kWriteMetadata | of::instr::kGotoTable;
  fm.instructions.metadata = vlan;
  fm.instructions.metadata_mask = 0xfff;
  fm.instructions.goto_table = 1;
  return fm;
}
of::FlowMod ingress_tagged(uint32_t port, uint16_t vlan) {
  of::FlowMod fm = ingress_untagged(port, vlan);
  fm.match = match_ingress(port, of::kVidPresent | vlan);
  fm.instructions.present |= of::instr::kApplyActions;
  fm.instructions.apply_actions = actions({pop_vlan()});
  return fm;
}
of::FlowMod flood_flow(uint16_t vlan, uint32_t group_id) {
  of::FlowMod fm = base_flow(1, kFloodPriority);
  fm.match = match_bd(vlan);
  fm.instructions.present = of::instr::kApplyActions;
  fm.instructions.apply_actions = actions({group(group_id == 0 ? vlan : group_id)});
  return fm;
}
of::FlowMod static_mac_flow(uint16_t vlan, const of::MacAddr& mac, uint32_t port,
                            uint16_t push_vid) {
  of::FlowMod fm = base_flow(1, kStaticPriority);
  fm.match = match_bd_dst(vlan, mac);
  fm.instructions.present = of::instr::kApplyActions;
  fm.instructions.apply_actions = egress_actions(port, push_vid);
  return fm;
}

of::Bucket bucket(uint32_t port, uint16_t push_vid) {
  of::Bucket b;
  b.actions = egress_actions(port, push_vid);
  return b;
}
of::GroupMod group_mod(of::GroupModCommand command, uint32_t group_id,
                       const std::vector<of::Bucket>& buckets, of::GroupType type) {
  of::GroupMod gm;
  gm.command = command;
  gm.group.type = type;
  gm.group.group_id = group_id;
  for (const of::Bucket& b : buckets) gm.group.buckets[gm.group.n_buckets++] = b;
  return gm;
}
of::GroupMod flood_group(uint32_t group_id, const std::vector<of::Bucket>& buckets) {
  return group_mod(of::GroupModCommand::kAdd, group_id, buckets);
}
of::GroupMod delete_group(uint32_t group_id) {
  return group_mod(of::GroupModCommand::kDelete, group_id, {});
}

of::FlowMod delete_flows(uint8_t table_id, const of::Match& match) {
  of::FlowMod fm;
  fm.command = of::FlowModCommand::kDelete;
  fm.table_id = table_id;
  fm.match = match;
  return fm;
}
of::FlowMod delete_strict(const of::FlowMod& added) {
  of::FlowMod fm = added;
  fm.command = of::FlowModCommand::kDeleteStrict;
  fm.cookie_mask = 0;
  fm.instructions = {};
  return fm;
}
of::FlowMod with_command(of::FlowMod fm, of::FlowModCommand command) {
  fm.command = command;
  return fm;
}

}  // namespace sluice::test
