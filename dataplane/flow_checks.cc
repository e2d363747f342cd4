#include "dataplane/flow_checks.h"

#include <algorithm>
#include <span>
#include <vector>

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
std::unexpected<OfError> bad_action(uint16_t code) { return error(of::ErrorType::kBadAction, code); }

// A flood group's buckets are a bridge domain's member ports, each once: a second bucket for
// the same port would send every flooded frame out of it twice.
enum class FloodBuckets { kOk, kNotEgress, kDuplicatePort };
FloodBuckets check_flood_buckets(std::span<const of::Bucket> buckets) {
  std::vector<uint32_t> ports;
  ports.reserve(buckets.size());
  for (const of::Bucket& b : buckets) {
    auto egress = parse_egress(b.actions);
    if (!egress) return FloodBuckets::kNotEgress;
    if (std::find(ports.begin(), ports.end(), egress->port) != ports.end()) {
      return FloodBuckets::kDuplicatePort;
    }
    ports.push_back(egress->port);
  }
  return FloodBuckets::kOk;
}

bool only_fields(const of::Match& m, uint64_t allowed) noexcept {
  return (m.present & ~allowed) == 0;
}

// Metadata carries the bridge domain: value 1..4094 under a mask covering the VLAN bits.
bool valid_bd_metadata(uint64_t value, uint64_t mask) noexcept {
  return (mask & kBridgeDomainMask) == kBridgeDomainMask && value >= 1 && value <= 4094;
}

bool valid_output_port(uint32_t port) noexcept {
  using namespace of::port_no;
  return (port >= 1 && port <= kMax) || port == kInPort || port == kAll || port == kFlood ||
         port == kController || port == kNormal;
}

// Does the match guarantee what a set-field of 'f' needs (OpenFlow 1.3, table 12)?
bool match_allows_set(Field f, const of::Match& m) noexcept {
  auto eth_type_is = [&](uint16_t t) { return m.has(Field::kEthType) && m.eth_type == t; };
  auto proto_is = [&](uint8_t p) { return eth_type_is(0x0800) && m.has(Field::kIpProto) && m.ip_proto == p; };
  switch (f) {
    case Field::kIpv4Src:
    case Field::kIpv4Dst:
      return eth_type_is(0x0800);
    case Field::kTcpSrc:
    case Field::kTcpDst:
      return proto_is(6);
    case Field::kUdpSrc:
    case Field::kUdpDst:
      return proto_is(17);
    case Field::kIcmpv4Type:
    case Field::kIcmpv4Code:
      return proto_is(1);
    default:
      return true;
  }
}

bool settable(Field f) noexcept {
  switch (f) {
    case Field::kInPort:
    case Field::kMetadata:
    case Field::kEthType:
    case Field::kIpProto:
    case Field::kArpOp:  // the ARP fields are match-only (the codec refuses them too)
    case Field::kArpSpa:
    case Field::kArpTpa:
    case Field::kArpSha:
      return false;
    default:
      return true;
  }
}

}  // namespace

of::Decoded<void> check_actions(const of::ActionList& actions, const of::Match* match,
                                const std::map<uint32_t, GroupEntry>& groups) {
  for (const of::Action& a : actions.view()) {
    switch (a.type) {
      case of::ActionType::kOutput:
        if (!valid_output_port(a.port)) return bad_action(of::bad_action::kBadOutPort);
        break;
      case of::ActionType::kGroup:
        if (match == nullptr) {
          return error(of::ErrorType::kGroupModFailed, of::group_mod_failed::kChainingUnsupported);
        }
        if (!groups.contains(a.group_id)) return bad_action(of::bad_action::kBadOutGroup);
        break;
      case of::ActionType::kSetField:
        if (!settable(a.field)) return bad_action(of::bad_action::kBadSetType);
        if (match != nullptr && !match_allows_set(a.field, *match)) {
          return bad_action(of::bad_action::kMatchInconsistent);
        }
        break;
      case of::ActionType::kExperimenter:
        return bad_action(of::bad_action::kBadExpType);
      case of::ActionType::kCt:
        // Only in a flow: a packet needs a flow's walk to carry what ct() found.
        if (match == nullptr) return bad_action(of::bad_action::kBadExpType);
        if (!(match->has(Field::kEthType) &&
              (match->eth_type == 0x0800 || match->eth_type == 0x86dd))) {
          return bad_action(of::bad_action::kMatchInconsistent);
        }
        if (a.ct.alg != 0) return bad_action(of::bad_action::kBadArgument);  // no ALGs
        if ((a.ct.flags & of::ct_flag::kCommit) != 0 && match->has(Field::kCtState) &&
            (match->ct_state & match->ct_state_mask & of::ct_state::kInv) != 0) {
          return bad_action(of::bad_action::kMatchInconsistent);  // committing invalid packets
        }
        break;
      case of::ActionType::kCtClear:
      case of::ActionType::kPushVlan:
      case of::ActionType::kPopVlan:
        break;
    }
  }
  return {};
}

of::Decoded<void> check_flow(const of::FlowMod& fm, uint8_t num_tables,
                             const std::map<uint32_t, GroupEntry>& groups) {
  constexpr uint16_t kKnownFlags = of::flow_flags::kSendFlowRem | of::flow_flags::kCheckOverlap |
                                   of::flow_flags::kResetCounts | of::flow_flags::kNoPktCounts |
                                   of::flow_flags::kNoBytCounts;
  if ((fm.flags & ~kKnownFlags) != 0) {
    return error(of::ErrorType::kFlowModFailed, of::flow_mod_failed::kBadFlags);
  }
  const of::Instructions& ins = fm.instructions;
  if ((ins.present & of::instr::kGotoTable) != 0 &&
      (ins.goto_table <= fm.table_id || ins.goto_table >= num_tables)) {
    return error(of::ErrorType::kBadInstruction, of::bad_instruction::kBadTableId);
  }
  if (auto ok = check_actions(ins.apply_actions, &fm.match, groups); !ok) return ok;
  if (auto ok = check_actions(ins.write_actions, &fm.match, groups); !ok) return ok;
  for (const of::Action& a : ins.write_actions.view()) {
    if (a.type == of::ActionType::kCt) return bad_action(of::bad_action::kUnsupportedOrder);
  }
  const auto apply = ins.apply_actions.view();
  for (size_t i = 0; i < apply.size(); ++i) {
    const of::Action& a = apply[i];
    if (a.type != of::ActionType::kCt || a.ct.table == of::kCtNoTable) continue;
    // The packet goes on in that table: nothing may follow in this walk.
    if (i + 1 != apply.size() || (ins.present & of::instr::kGotoTable) != 0) {
      return bad_action(of::bad_action::kUnsupportedOrder);
    }
    if (a.ct.table <= fm.table_id || a.ct.table >= num_tables) {
      return error(of::ErrorType::kBadInstruction, of::bad_instruction::kBadTableId);
    }
  }
  return {};
}

of::Decoded<void> check_l2_flow(const of::FlowMod& fm, const std::map<uint32_t, GroupEntry>& groups) {
  const of::Match& m = fm.match;
  if (!only_fields(m, field_bit(Field::kMetadata) | field_bit(Field::kEthDst)) ||
      !m.has(Field::kMetadata)) {
    return error(of::ErrorType::kBadMatch, of::bad_match::kBadField);
  }
  if (!valid_bd_metadata(m.metadata, m.metadata_mask)) {
    return error(of::ErrorType::kBadMatch, of::bad_match::kBadValue);
  }
  const of::Instructions& ins = fm.instructions;
  if (ins.present != of::instr::kApplyActions || fm.idle_timeout != 0 || fm.hard_timeout != 0) {
    return error(of::ErrorType::kBadInstruction, of::bad_instruction::kUnsupInst);
  }
  auto acts = ins.apply_actions.view();
  if (!m.has(Field::kEthDst)) {
    // The bridge domain's flood flow: exactly one group action, to an ALL group of egresses.
    if (acts.size() != 1 || acts[0].type != of::ActionType::kGroup) {
      return bad_action(of::bad_action::kUnsupportedOrder);
    }
    auto g = groups.find(acts[0].group_id);
    if (g == groups.end()) return bad_action(of::bad_action::kBadOutGroup);
    if (g->second.type != of::GroupType::kAll) return bad_action(of::bad_action::kBadOutGroup);
    if (check_flood_buckets(g->second.buckets) != FloodBuckets::kOk) {
      return bad_action(of::bad_action::kBadOutGroup);
    }
    return {};
  }
  // A static MAC: a unicast address, exact, leaving by one port.
  if (m.has_mask(Field::kEthDst) && m.eth_dst_mask != of::kMacExact) {
    return error(of::ErrorType::kBadMatch, of::bad_match::kBadMask);
  }
  if ((m.eth_dst[0] & 1) != 0) return error(of::ErrorType::kBadMatch, of::bad_match::kBadValue);
  auto egress = parse_egress(ins.apply_actions);
  if (!egress) return bad_action(of::bad_action::kUnsupportedOrder);
  if (egress->port == 0 || egress->port > of::port_no::kMax) {
    return bad_action(of::bad_action::kBadOutPort);
  }
  return {};
}

bool is_l2_shape(const FlowEntry& f, const std::map<uint32_t, GroupEntry>& groups) {
  of::FlowMod probe;
  probe.table_id = f.table_id;
  probe.priority = f.priority;
  probe.match = f.match;
  probe.instructions = f.instructions;
  probe.idle_timeout = f.idle_timeout;
  probe.hard_timeout = f.hard_timeout;
  probe.flags = f.flags;
  return check_l2_flow(probe, groups).has_value();
}

bool is_ingress_shape(const FlowEntry& f) noexcept {
  const of::Match& m = f.match;
  if (f.table_id != 0 || m.present != (field_bit(Field::kInPort) | field_bit(Field::kVlanVid))) {
    return false;
  }
  const bool tagged = (m.vlan_vid & of::kVidPresent) != 0;
  if (m.vlan_vid_mask != 0x1fff || (!tagged && m.vlan_vid != of::kVidNone)) return false;
  const uint16_t vid = m.vlan_vid & 0xfff;
  if (tagged && (vid == 0 || vid == 0xfff)) return false;
  const of::Instructions& ins = f.instructions;
  const uint8_t need = of::instr::kWriteMetadata | of::instr::kGotoTable;
  if ((ins.present & need) != need || (ins.present & ~(need | of::instr::kApplyActions)) != 0) {
    return false;
  }
  if (!valid_bd_metadata(ins.metadata, ins.metadata_mask)) return false;
  // A tagged frame loses its tag here (frames travel untagged inside the switch); an untagged
  // one has nothing to pop.
  auto acts = ins.apply_actions.view();
  const bool pops = acts.size() == 1 && acts[0].type == of::ActionType::kPopVlan;
  return tagged ? pops : acts.empty();
}

of::Decoded<void> check_group(const of::GroupDesc& g, const std::map<uint32_t, GroupEntry>& groups) {
  using namespace of::group_mod_failed;
  if (g.group_id > of::group_id::kMax) return error(of::ErrorType::kGroupModFailed, kInvalidGroup);
  if (g.type == of::GroupType::kIndirect && g.n_buckets != 1) {
    return error(of::ErrorType::kGroupModFailed, kInvalidGroup);
  }
  for (const of::Bucket& b : g.view()) {
    if (g.type == of::GroupType::kFastFailover) {
      if (b.watch_group != of::group_id::kAny) {
        return error(of::ErrorType::kGroupModFailed, kWatchUnsupported);
      }
      if (b.watch_port == of::port_no::kAny) return error(of::ErrorType::kGroupModFailed, kBadWatch);
    }
    if (auto ok = check_actions(b.actions, nullptr, groups); !ok) return ok;
  }
  return {};
}

of::Decoded<void> check_flood_group(const of::GroupDesc& g) {
  if (g.type != of::GroupType::kAll) {
    return error(of::ErrorType::kGroupModFailed, of::group_mod_failed::kBadType);
  }
  if (check_flood_buckets(g.view()) != FloodBuckets::kOk) {
    return error(of::ErrorType::kGroupModFailed, of::group_mod_failed::kBadBucket);
  }
  return {};
}

}  // namespace sluice::dp
