#include "tests/testlib/of_builders.h"

namespace sluice::test {

of::Action push_vlan(uint16_t ethertype) {
  of::Action a = of::l2::push_vlan();
  a.ethertype = ethertype;
  return a;
}
of::ActionList actions(std::initializer_list<of::Action> list) {
  of::ActionList out;
  for (const of::Action& a : list) out.push(a);
  return out;
}

of::FlowMod flood_flow(uint16_t vlan, uint32_t group_id) {
  of::FlowMod fm = of::l2::flood_flow(vlan);
  fm.instructions.apply_actions = actions({group(group_id)});
  return fm;
}
of::FlowMod static_mac_flow(uint16_t vlan, const of::MacAddr& mac, uint32_t port,
                            uint16_t push_vid) {
  return of::l2::static_mac_flow(vlan, mac, egress_actions(port, push_vid));
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
