// Actions and instructions in ovs-ofctl's OpenFlow 1.3 notation.
//
//   output:N   IN_PORT TABLE NORMAL FLOOD ALL LOCAL   CONTROLLER:max_len
//   group:N    push_vlan:0x8100    pop_vlan
//   set_field:VALUE->FIELD   (OXM field names; vlan_vid, eth_type, metadata and tunnel_id in
//                             hex, MACs and IPv4 addresses in their usual forms, the rest in
//                             decimal), e.g. set_field:0x1064->vlan_vid
//   ct(commit,force,table=N,zone=N,exec(set_field:0x1->ct_mark),alg=ftp), only what is present,
//   in that order (as ovs-ofctl prints it); a masked ct_mark write prints as
//   load:0xV->NXM_NX_CT_MARK[lo..hi], one per run of mask bits.   ct_clear
//   Sluice actions:  sluice_ct(value=0x1)  sluice_nat(value=..)  vxlan_encap(value=..)
//                    vxlan_decap(value=..)
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
      return "sluice_ct";
    case SluiceAction::kNat:
      return "sluice_nat";
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

std::string ct_mark_text(const CtArgs& ct) {
  if (ct.mark_form == CtMarkForm::kSetField && ct.mark_mask == ~uint32_t{0}) {
    return text::cat("set_field:", text::fmt("%#x", ct.mark), "->ct_mark");
  }
  std::string out;
  for_each_bit_run(ct.mark_mask, [&](unsigned ofs, unsigned n) {
    const uint64_t v = (uint64_t{ct.mark} >> ofs) & ((uint64_t{1} << n) - 1);
    const std::string bits = n == 32 ? "" : text::fmt("%u..%u", ofs, ofs + n - 1);
    text::join(out, text::cat("load:", text::fmt("%#llx", static_cast<unsigned long long>(v)),
                              "->NXM_NX_CT_MARK[", bits, "]"));
  });
  return out;
}

std::string ct_text(const CtArgs& ct) {
  std::string out;
  if ((ct.flags & ct_flag::kCommit) != 0) text::join(out, "commit");
  if ((ct.flags & ct_flag::kForce) != 0) text::join(out, "force");
  if (ct.table != kCtNoTable) text::join(out, text::cat("table=", std::to_string(ct.table)));
  if (ct.zone != 0) text::join(out, text::cat("zone=", std::to_string(ct.zone)));
  if (ct.mark_mask != 0) text::join(out, text::cat("exec(", ct_mark_text(ct), ")"));
  if (ct.alg == 21) text::join(out, "alg=ftp");
  else if (ct.alg == 69) text::join(out, "alg=tftp");
  else if (ct.alg != 0) text::join(out, text::cat("alg=", std::to_string(ct.alg)));
  return text::cat("ct(", out, ")");
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
    case ActionType::kCt:
      return ct_text(a.ct);
    case ActionType::kCtClear:
      return "ct_clear";
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
