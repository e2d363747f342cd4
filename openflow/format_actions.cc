// Actions and instructions in ovs-ofctl's OpenFlow 1.3 notation.
//
//   output:N   IN_PORT TABLE NORMAL FLOOD ALL LOCAL   CONTROLLER:max_len
//   group:N    push_vlan:0x8100    pop_vlan
//   set_field:VALUE->FIELD   (OXM field names; vlan_vid, eth_type, metadata and tunnel_id in
//                             hex, MACs and IPv4 addresses in their usual forms, the rest in
//                             decimal), e.g. set_field:0x1064->vlan_vid
//   Sluice actions:  ct(value=0x1)  nat(value=..)  vxlan_encap(value=..)  vxlan_decap(value=..)
//   an empty list:   drop
//
// Instructions print like ovs-ofctl: apply-actions' actions bare, then clear_actions,
// write_actions(...), write_metadata:V[/M] (mask omitted when all-ones), goto_table:N, all
// comma-separated; no instructions (or only an empty apply-actions) print as "drop".
#include "openflow/format.h"
#include "openflow/format_util.h"
#include "openflow/oxm.h"

namespace sluice::of {
namespace {

std::string field_value_text(Field f, uint64_t v) {
  switch (f) {
    case Field::kEthDst:
    case Field::kEthSrc:
    case Field::kArpSha:
      return text::mac(u64_to_mac(v));
    case Field::kIpv4Src:
    case Field::kIpv4Dst:
    case Field::kArpSpa:
    case Field::kArpTpa:
      return text::ipv4(static_cast<uint32_t>(v));
    case Field::kVlanVid:
    case Field::kEthType:
      return text::fmt("0x%04x", static_cast<unsigned>(v));
    case Field::kMetadata:
    case Field::kTunnelId:
      return text::hex(v);
    case Field::kInPort:
      return text::port(static_cast<uint32_t>(v));
    default:
      return std::to_string(v);
  }
}

std::string_view sluice_action_name(SluiceAction a) {
  switch (a) {
    case SluiceAction::kConntrack:
      return "ct";
    case SluiceAction::kNat:
      return "nat";
    case SluiceAction::kVxlanEncap:
      return "vxlan_encap";
    case SluiceAction::kVxlanDecap:
      return "vxlan_decap";
  }
  return "sluice_unknown";
}

std::string output_text(const Action& a) {
  if (a.port == port_no::kController) return text::cat("CONTROLLER:", std::to_string(a.max_len));
  if (a.port > port_no::kMax) return text::port(a.port);
  return text::cat("output:", std::to_string(a.port));
}

}  // namespace

std::string format_action(const Action& a) {
  switch (a.type) {
    case ActionType::kOutput:
      return output_text(a);
    case ActionType::kPushVlan:
      return text::fmt("push_vlan:0x%04x", a.ethertype);
    case ActionType::kPopVlan:
      return "pop_vlan";
    case ActionType::kGroup:
      return text::cat("group:", std::to_string(a.group_id));
    case ActionType::kSetField:
      return text::cat("set_field:", field_value_text(a.field, a.value), "->",
                       field_info(a.field).name);
    case ActionType::kExperimenter:
      return text::cat(sluice_action_name(a.sluice), "(value=", text::hex(a.value), ")");
  }
  return text::cat("unknown_action(type=", std::to_string(static_cast<unsigned>(a.type)), ")");
}

std::string format_actions(const ActionList& actions) {
  std::string out;
  for (const Action& a : actions.view()) text::join(out, format_action(a));
  return out.empty() ? "drop" : out;
}

std::string format_instructions(const Instructions& ins) {
  std::string out;
  if ((ins.present & instr::kApplyActions) != 0) {
    for (const Action& a : ins.apply_actions.view()) text::join(out, format_action(a));
  }
  if ((ins.present & instr::kClearActions) != 0) text::join(out, "clear_actions");
  if ((ins.present & instr::kWriteActions) != 0) {
    std::string inner;
    for (const Action& a : ins.write_actions.view()) text::join(inner, format_action(a));
    text::join(out, text::cat("write_actions(", inner, ")"));
  }
  if ((ins.present & instr::kWriteMetadata) != 0) {
    std::string s = text::cat("write_metadata:", text::hex(ins.metadata));
    if (ins.metadata_mask != ~uint64_t{0}) s += text::cat("/", text::hex(ins.metadata_mask));
    text::join(out, s);
  }
  if ((ins.present & instr::kGotoTable) != 0) {
    text::join(out, text::cat("goto_table:", std::to_string(ins.goto_table)));
  }
  return out.empty() ? "drop" : out;
}

}  // namespace sluice::of
