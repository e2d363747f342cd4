#include "dataplane/flow_store.h"

#include <algorithm>

#include "openflow/l2_contract.h"

namespace sluice::dp {
namespace {

using of::Field;
using of::field_bit;
using of::OfError;
using of::l2::kBridgeDomainMask;
using of::l2::parse_egress;

std::unexpected<OfError> error(of::ErrorType type, uint16_t code) {
  return std::unexpected<OfError>(OfError{type, code, 0});
}

bool only_fields(const of::Match& m, uint64_t allowed) noexcept {
  return (m.present & ~allowed) == 0;
}

// Metadata carries the bridge domain: value 1..4094 under a mask covering the VLAN bits.
bool valid_bd_metadata(uint64_t value, uint64_t mask) noexcept {
  return (mask & kBridgeDomainMask) == kBridgeDomainMask && value >= 1 && value <= 4094;
}

of::Decoded<void> check_table0(const of::FlowMod& fm) {
  const of::Match& m = fm.match;
  if (!only_fields(m, field_bit(Field::kInPort) | field_bit(Field::kVlanVid)) ||
      !m.has(Field::kInPort) || !m.has(Field::kVlanVid)) {
    return error(of::ErrorType::kBadMatch, of::bad_match::kBadField);
  }
  const bool tagged = (m.vlan_vid & of::kVidPresent) != 0;
  const bool exact = !m.has_mask(Field::kVlanVid) || m.vlan_vid_mask == 0x1fff;
  if (!exact || (!tagged && m.vlan_vid != of::kVidNone)) {
    return error(of::ErrorType::kBadMatch, of::bad_match::kBadMask);
  }
  // VID 0 is a priority tag (treated as untagged) and 4095 is reserved: a flow for either
  // could never match.
  const uint16_t vid = m.vlan_vid & 0xfff;
  if (tagged && (vid == 0 || vid == 0xfff)) {
    return error(of::ErrorType::kBadMatch, of::bad_match::kBadValue);
  }
  const of::Instructions& ins = fm.instructions;
  const uint8_t need = of::instr::kWriteMetadata | of::instr::kGotoTable;
  if ((ins.present & need) != need ||
      (ins.present & ~(need | of::instr::kApplyActions)) != 0) {
    return error(of::ErrorType::kBadInstruction, of::bad_instruction::kUnsupInst);
  }
  if (ins.goto_table != of::l2::kL2Table) {
    return error(of::ErrorType::kBadInstruction, of::bad_instruction::kBadTableId);
  }
  if (!valid_bd_metadata(ins.metadata, ins.metadata_mask)) {
    return error(of::ErrorType::kBadInstruction, of::bad_instruction::kUnsupMetadata);
  }
  // A tagged frame must lose its tag here (frames travel untagged inside the switch); an
  // untagged one has nothing to pop.
  auto acts = ins.apply_actions.view();
  const bool pops = acts.size() == 1 && acts[0].type == of::ActionType::kPopVlan;
  if ((tagged && !pops) || (!tagged && !acts.empty())) {
    return error(of::ErrorType::kBadAction, of::bad_action::kUnsupportedOrder);
  }
  return {};
}

of::Decoded<void> check_table1(const of::FlowMod& fm, const std::map<uint32_t, GroupEntry>& groups) {
  const of::Match& m = fm.match;
  if (!only_fields(m, field_bit(Field::kMetadata) | field_bit(Field::kEthDst)) ||
      !m.has(Field::kMetadata)) {
    return error(of::ErrorType::kBadMatch, of::bad_match::kBadField);
  }
  if (!valid_bd_metadata(m.metadata, m.metadata_mask)) {
    return error(of::ErrorType::kBadMatch, of::bad_match::kBadValue);
  }
  const of::Instructions& ins = fm.instructions;
  if (ins.present != of::instr::kApplyActions) {
    return error(of::ErrorType::kBadInstruction, of::bad_instruction::kUnsupInst);
  }
  auto acts = ins.apply_actions.view();
  if (!m.has(Field::kEthDst)) {
    // The bridge domain's flood flow: exactly one group action.
    if (acts.size() != 1 || acts[0].type != of::ActionType::kGroup) {
      return error(of::ErrorType::kBadAction, of::bad_action::kUnsupportedOrder);
    }
    if (!groups.contains(acts[0].group_id)) {
      return error(of::ErrorType::kBadAction, of::bad_action::kBadOutGroup);
    }
    return {};
  }
  // A static MAC: a unicast address, exact, leaving by one port.
  if (m.has_mask(Field::kEthDst) && m.eth_dst_mask != of::kMacExact) {
    return error(of::ErrorType::kBadMatch, of::bad_match::kBadMask);
  }
  if ((m.eth_dst[0] & 1) != 0) return error(of::ErrorType::kBadMatch, of::bad_match::kBadValue);
  auto egress = parse_egress(ins.apply_actions);
  if (!egress) return error(of::ErrorType::kBadAction, of::bad_action::kUnsupportedOrder);
  if (egress->port == 0 || egress->port > of::port_no::kMax) {
    return error(of::ErrorType::kBadAction, of::bad_action::kBadOutPort);
  }
  return {};
}

// OpenFlow's out_port / out_group filters: ANY, or the flow has an action to that port/group.
bool outputs_to(const FlowEntry& f, uint32_t port) {
  if (port == of::port_no::kAny) return true;
  for (const auto* list : {&f.instructions.apply_actions, &f.instructions.write_actions}) {
    for (const of::Action& a : list->view()) {
      if (a.type == of::ActionType::kOutput && a.port == port) return true;
    }
  }
  return false;
}

bool uses_group(const FlowEntry& f, uint32_t group) {
  if (group == of::group_id::kAny) return true;
  for (const auto* list : {&f.instructions.apply_actions, &f.instructions.write_actions}) {
    for (const of::Action& a : list->view()) {
      if (a.type == of::ActionType::kGroup && a.group_id == group) return true;
    }
  }
  return false;
}

}  // namespace

bool match_covers(const of::Match& wide, const of::Match& narrow) noexcept {
  if ((wide.present & ~narrow.present) != 0) return false;
  auto covers = [](uint64_t wv, uint64_t wm, uint64_t nv, uint64_t nm) {
    return (nm & wm) == wm && (nv & wm) == (wv & wm);
  };
  auto mac = [](const of::MacAddr& a) {
    uint64_t v = 0;
    for (uint8_t b : a) v = v << 8 | b;
    return v;
  };
  const of::Match& w = wide;
  const of::Match& n = narrow;
  if (w.has(Field::kInPort) && w.in_port != n.in_port) return false;
  if (w.has(Field::kMetadata) &&
      !covers(w.metadata, w.metadata_mask, n.metadata, n.metadata_mask)) return false;
  if (w.has(Field::kEthDst) &&
      !covers(mac(w.eth_dst), mac(w.eth_dst_mask), mac(n.eth_dst), mac(n.eth_dst_mask))) return false;
  if (w.has(Field::kEthSrc) &&
      !covers(mac(w.eth_src), mac(w.eth_src_mask), mac(n.eth_src), mac(n.eth_src_mask))) return false;
  if (w.has(Field::kVlanVid) &&
      !covers(w.vlan_vid, w.vlan_vid_mask, n.vlan_vid, n.vlan_vid_mask)) return false;
  if (w.has(Field::kEthType) && w.eth_type != n.eth_type) return false;
  if (w.has(Field::kIpProto) && w.ip_proto != n.ip_proto) return false;
  if (w.has(Field::kIpv4Src) &&
      !covers(w.ipv4_src, w.ipv4_src_mask, n.ipv4_src, n.ipv4_src_mask)) return false;
  if (w.has(Field::kIpv4Dst) &&
      !covers(w.ipv4_dst, w.ipv4_dst_mask, n.ipv4_dst, n.ipv4_dst_mask)) return false;
  if (w.has(Field::kTcpSrc) && w.tcp_src != n.tcp_src) return false;
  if (w.has(Field::kTcpDst) && w.tcp_dst != n.tcp_dst) return false;
  if (w.has(Field::kUdpSrc) && w.udp_src != n.udp_src) return false;
  if (w.has(Field::kUdpDst) && w.udp_dst != n.udp_dst) return false;
  if (w.has(Field::kIcmpv4Type) && w.icmpv4_type != n.icmpv4_type) return false;
  if (w.has(Field::kIcmpv4Code) && w.icmpv4_code != n.icmpv4_code) return false;
  if (w.has(Field::kTunnelId) &&
      !covers(w.tunnel_id, w.tunnel_id_mask, n.tunnel_id, n.tunnel_id_mask)) return false;
  return true;
}

FlowStore::FlowStore(uint16_t counter_slots, CounterReader reader) : reader_(std::move(reader)) {
  free_counters_.reserve(counter_slots);
  for (uint32_t i = counter_slots; i > 0; --i) free_counters_.push_back(static_cast<uint16_t>(i - 1));
}

of::Decoded<void> FlowStore::check_shape(const of::FlowMod& fm) const {
  if (fm.table_id >= kNumTables) {
    return error(of::ErrorType::kFlowModFailed, of::flow_mod_failed::kBadTableId);
  }
  if (fm.buffer_id != of::kNoBuffer) {
    return error(of::ErrorType::kBadRequest, of::bad_request::kBufferUnknown);
  }
  if (fm.idle_timeout != 0 || fm.hard_timeout != 0) {
    // Timeouts arrive with the OpenFlow pipeline issue; refuse rather than ignore them.
    return error(of::ErrorType::kFlowModFailed, of::flow_mod_failed::kBadTimeout);
  }
  return fm.table_id == of::l2::kIngressTable ? check_table0(fm) : check_table1(fm, groups_);
}

of::Decoded<void> FlowStore::apply(const of::FlowMod& fm) {
  if (fm.table_id != of::kTableAll && fm.table_id >= kNumTables) {
    return error(of::ErrorType::kFlowModFailed, of::flow_mod_failed::kBadTableId);
  }
  switch (fm.command) {
    case of::FlowModCommand::kAdd:
      return add(fm);
    case of::FlowModCommand::kModify:
      return modify(fm, false);
    case of::FlowModCommand::kModifyStrict:
      return modify(fm, true);
    case of::FlowModCommand::kDelete:
      remove(fm, false);
      return {};
    case of::FlowModCommand::kDeleteStrict:
      remove(fm, true);
      return {};
  }
  return error(of::ErrorType::kFlowModFailed, of::flow_mod_failed::kBadCommand);
}

of::Decoded<void> FlowStore::add(const of::FlowMod& fm) {
  if (auto ok = check_shape(fm); !ok) return ok;
  auto same = std::find_if(flows_.begin(), flows_.end(), [&](const FlowEntry& f) {
    return f.table_id == fm.table_id && f.priority == fm.priority && f.match == fm.match;
  });
  if ((fm.flags & of::flow_flags::kCheckOverlap) != 0 && same != flows_.end()) {
    return error(of::ErrorType::kFlowModFailed, of::flow_mod_failed::kOverlap);
  }
  if (same != flows_.end()) {
    // Replacing an identical flow keeps its counters unless asked to reset them.
    same->cookie = fm.cookie;
    same->flags = fm.flags;
    same->instructions = fm.instructions;
    if ((fm.flags & of::flow_flags::kResetCounts) != 0) same->baseline = reader_(same->counter);
    dirty_ = true;
    return {};
  }
  if (free_counters_.empty()) {
    return error(of::ErrorType::kFlowModFailed, of::flow_mod_failed::kTableFull);
  }
  FlowEntry f;
  f.table_id = fm.table_id;
  f.priority = fm.priority;
  f.flags = fm.flags;
  f.cookie = fm.cookie;
  f.match = fm.match;
  f.instructions = fm.instructions;
  f.counter = free_counters_.back();
  free_counters_.pop_back();
  f.baseline = reader_(f.counter);
  f.installed = std::chrono::steady_clock::now();
  flows_.push_back(f);
  dirty_ = true;
  return {};
}

bool FlowStore::selected(const FlowEntry& f, const of::FlowMod& fm, bool strict) const {
  if (fm.table_id != of::kTableAll && f.table_id != fm.table_id) return false;
  if ((f.cookie & fm.cookie_mask) != (fm.cookie & fm.cookie_mask)) return false;
  if (strict) return f.priority == fm.priority && f.match == fm.match;
  return match_covers(fm.match, f.match);
}

of::Decoded<void> FlowStore::modify(const of::FlowMod& fm, bool strict) {
  if (fm.table_id == of::kTableAll) {
    return error(of::ErrorType::kFlowModFailed, of::flow_mod_failed::kBadTableId);
  }
  for (const FlowEntry& f : flows_) {
    if (!selected(f, fm, strict)) continue;
    of::FlowMod probe = fm;
    probe.match = f.match;
    if (auto ok = check_shape(probe); !ok) return ok;
  }
  for (FlowEntry& f : flows_) {
    if (!selected(f, fm, strict)) continue;
    f.instructions = fm.instructions;
    if ((fm.flags & of::flow_flags::kResetCounts) != 0) f.baseline = reader_(f.counter);
    dirty_ = true;
  }
  return {};
}

void FlowStore::release(const FlowEntry& f) { free_counters_.push_back(f.counter); }

void FlowStore::remove(const of::FlowMod& fm, bool strict) {
  std::erase_if(flows_, [&](const FlowEntry& f) {
    if (!selected(f, fm, strict) || !outputs_to(f, fm.out_port) || !uses_group(f, fm.out_group)) {
      return false;
    }
    release(f);
    dirty_ = true;
    return true;
  });
}

void FlowStore::remove_flows_using_group(uint32_t group_id) {
  std::erase_if(flows_, [&](const FlowEntry& f) {
    for (const of::Action& a : f.instructions.apply_actions.view()) {
      if (a.type == of::ActionType::kGroup && a.group_id == group_id) {
        release(f);
        return true;
      }
    }
    return false;
  });
}

of::Decoded<void> FlowStore::apply(const of::GroupMod& gm) {
  const of::GroupDesc& g = gm.group;
  if (gm.command == of::GroupModCommand::kDelete) {
    if (g.group_id == of::group_id::kAll) {
      for (const auto& [id, _] : groups_) remove_flows_using_group(id);
      groups_.clear();
    } else if (groups_.erase(g.group_id) > 0) {
      remove_flows_using_group(g.group_id);
    }
    dirty_ = true;
    return {};
  }
  if (g.group_id > of::group_id::kMax) {
    return error(of::ErrorType::kGroupModFailed, of::group_mod_failed::kInvalidGroup);
  }
  if (g.type != of::GroupType::kAll) {
    return error(of::ErrorType::kGroupModFailed, of::group_mod_failed::kBadType);
  }
  for (const of::Bucket& b : g.view()) {
    if (!parse_egress(b.actions)) {
      return error(of::ErrorType::kGroupModFailed, of::group_mod_failed::kBadBucket);
    }
  }
  const bool exists = groups_.contains(g.group_id);
  if (gm.command == of::GroupModCommand::kAdd && exists) {
    return error(of::ErrorType::kGroupModFailed, of::group_mod_failed::kGroupExists);
  }
  if (gm.command == of::GroupModCommand::kModify && !exists) {
    return error(of::ErrorType::kGroupModFailed, of::group_mod_failed::kUnknownGroup);
  }
  if (gm.command != of::GroupModCommand::kAdd && gm.command != of::GroupModCommand::kModify) {
    return error(of::ErrorType::kGroupModFailed, of::group_mod_failed::kBadCommand);
  }
  GroupEntry& e = groups_[g.group_id];
  e.type = g.type;
  e.group_id = g.group_id;
  e.buckets.assign(g.buckets.begin(), g.buckets.begin() + g.n_buckets);
  dirty_ = true;
  return {};
}

std::vector<of::FlowStats> FlowStore::stats(const of::FlowStatsRequest& req) const {
  of::FlowMod filter;
  filter.table_id = req.table_id;
  filter.cookie = req.cookie;
  filter.cookie_mask = req.cookie_mask;
  filter.match = req.match;
  const auto now = std::chrono::steady_clock::now();
  std::vector<of::FlowStats> out;
  for (const FlowEntry& f : flows_) {
    if (!selected(f, filter, false)) continue;
    if (!outputs_to(f, req.out_port) || !uses_group(f, req.out_group)) continue;
    of::FlowStats s;
    s.table_id = f.table_id;
    s.priority = f.priority;
    s.flags = f.flags;
    s.cookie = f.cookie;
    auto age = std::chrono::duration_cast<std::chrono::nanoseconds>(now - f.installed).count();
    s.duration_sec = static_cast<uint32_t>(age / 1000000000);
    s.duration_nsec = static_cast<uint32_t>(age % 1000000000);
    FlowTotals t = reader_(f.counter);
    s.packet_count = t.packets - f.baseline.packets;
    s.byte_count = t.bytes - f.baseline.bytes;
    s.match = f.match;
    s.instructions = f.instructions;
    out.push_back(s);
  }
  std::sort(out.begin(), out.end(), [](const of::FlowStats& a, const of::FlowStats& b) {
    return a.table_id != b.table_id ? a.table_id < b.table_id : a.priority > b.priority;
  });
  return out;
}

}  // namespace sluice::dp
