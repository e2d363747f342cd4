#include "openflow/firewall.h"

#include <algorithm>

#include "openflow/oxm.h"

namespace sluice::of::firewall {
namespace {

using namespace ct_state;

constexpr uint64_t kFunctionShift = 40, kKindShift = 32;
constexpr uint64_t kFunctionBits = uint64_t{0xff} << kFunctionShift;

uint32_t mark_of(uint32_t version, uint32_t rule) noexcept { return version << kRuleBits | rule; }

FlowMod flow(uint64_t policy_cookie, Kind kind, uint32_t number, uint8_t table,
             uint16_t priority) {
  FlowMod fm;
  fm.cookie = cookie(policy_cookie, kind, number);
  fm.table_id = table;
  fm.command = FlowModCommand::kAdd;
  fm.priority = priority;
  return fm;
}

void ct_state_is(Match& m, uint8_t value, uint8_t mask) {
  match_set(m, Field::kCtState, value, mask, true);
}

void in_domain(Match& m, uint16_t vlan) { match_set(m, Field::kMetadata, vlan, 0xfff, true); }

// output:CONTROLLER with the first kPuntBytes of the packet (a copy when more actions follow).
FlowMod& punt(FlowMod& fm) {
  fm.instructions.present |= instr::kApplyActions;
  fm.instructions.apply_actions.push(
      Action{.type = ActionType::kOutput, .max_len = kPuntBytes, .port = port_no::kController});
  return fm;
}

FlowMod& go_on(FlowMod& fm, uint8_t table) {
  fm.instructions.present |= instr::kGotoTable;
  fm.instructions.goto_table = table;
  return fm;
}

// ct(commit,zone=V,exec(set_field:mark->ct_mark)), then on to 'next'.
FlowMod& commit(FlowMod& fm, uint16_t zone, uint32_t mark, uint8_t next) {
  Action a{.type = ActionType::kCt};
  a.ct.flags = ct_flag::kCommit;
  a.ct.zone = zone;
  a.ct.mark_form = CtMarkForm::kSetField;
  a.ct.mark = mark;
  a.ct.mark_mask = ~uint32_t{0};
  fm.instructions.present |= instr::kApplyActions;
  fm.instructions.apply_actions.push(a);
  return go_on(fm, next);
}

bool lives_in(const Endpoint& e, uint16_t vlan) {
  return e.vlans.empty() || std::find(e.vlans.begin(), e.vlans.end(), vlan) != e.vlans.end();
}

void address(Match& m, Field f, const port_security::Prefix& p) {
  if (p.len > 0) match_set(m, f, p.addr, p.mask(), p.len < 32);
}

Field dst_port_field(Proto p) { return p == Proto::kTcp ? Field::kTcpDst : Field::kUdpDst; }
Field src_port_field(Proto p) { return p == Proto::kTcp ? Field::kTcpSrc : Field::kUdpSrc; }

// The protocol part of a rule's match: one Match per port mask (one with no port when the rule
// names none). 'reply': the ports are the source, and ICMP types are not matched (an echo
// request's reply is another type).
std::vector<Match> protocol_matches(const Rule& r, bool reply) {
  Match base;
  match_exact(base, Field::kEthType, kEthTypeIpv4);
  if (r.proto == Proto::kAny) return {base};
  match_exact(base, Field::kIpProto, static_cast<uint8_t>(r.proto));
  if (r.proto == Proto::kIcmp) {
    if (!reply && r.icmp_type >= 0) match_exact(base, Field::kIcmpv4Type, r.icmp_type);
    if (!reply && r.icmp_code >= 0) match_exact(base, Field::kIcmpv4Code, r.icmp_code);
    return {base};
  }
  if (r.ports.empty()) return {base};
  std::vector<Match> out;
  const Field f = reply ? src_port_field(r.proto) : dst_port_field(r.proto);
  for (const PortRange& range : r.ports) {
    for (auto [value, mask] : range_masks(range.lo, range.hi)) {
      Match m = base;
      match_set(m, f, value, mask, mask != 0xffff);
      out.push_back(m);
    }
  }
  return out;
}

size_t port_masks(const Rule& r) {
  if (r.proto != Proto::kTcp && r.proto != Proto::kUdp) return 1;
  if (r.ports.empty()) return 1;
  size_t n = 0;
  for (const PortRange& range : r.ports) n += range_masks(range.lo, range.hi).size();
  return n;
}

// Calls fn(vlan, from, to) for every pair of endpoints that can meet in a firewalled network.
template <class Fn>
void for_each_pair(const Spec& spec, const Rule& r, Fn fn) {
  for (const Network& net : spec.networks) {
    for (const Endpoint& f : r.from) {
      if (!lives_in(f, net.vlan)) continue;
      for (const Endpoint& t : r.to) {
        if (lives_in(t, net.vlan)) fn(net.vlan, f, t);
      }
    }
  }
}

// FNV-1a, 64 bits, over the integers that decide verdicts.
struct Digest {
  uint64_t h = 0xcbf29ce484222325ULL;
  void add(uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h ^= (v >> (8 * i)) & 0xff;
      h *= 0x100000001b3ULL;
    }
  }
  void add(const Endpoint& e) {
    add(e.in_port);
    add(e.prefix.addr);
    add(e.prefix.len);
    add(e.vlans.size());
    for (uint16_t v : e.vlans) add(v);
  }
};

}  // namespace

uint64_t cookie(uint64_t policy_cookie, Kind kind, uint32_t number) noexcept {
  return policy_cookie | uint64_t{kCtTable} << kFunctionShift |
         uint64_t{static_cast<uint8_t>(kind)} << kKindShift | number;
}

std::optional<CookieInfo> parse_cookie(uint64_t c) noexcept {
  if ((c & kFunctionBits) != uint64_t{kCtTable} << kFunctionShift) return std::nullopt;
  const auto kind = static_cast<uint8_t>(c >> kKindShift);
  if (kind < static_cast<uint8_t>(Kind::kTrack) || kind > static_cast<uint8_t>(Kind::kReject)) {
    return std::nullopt;
  }
  const auto number = static_cast<uint32_t>(c);
  return CookieInfo{static_cast<Kind>(kind), number & ~kLogFlag, (number & kLogFlag) != 0};
}

uint32_t version(const Spec& spec) noexcept {
  Digest d;
  d.add(spec.next_table);
  for (const Network& n : spec.networks) {
    d.add(n.vlan);
    d.add(n.default_allow);
  }
  for (const Rule& r : spec.rules) {
    d.add(r.number);
    d.add(static_cast<uint8_t>(r.proto));
    d.add(static_cast<uint8_t>(r.verdict));
    d.add(r.log);
    d.add(static_cast<uint16_t>(r.icmp_type));
    d.add(static_cast<uint16_t>(r.icmp_code));
    d.add(r.ports.size());
    for (const PortRange& p : r.ports) d.add(uint64_t{p.lo} << 16 | p.hi);
    d.add(r.from.size());
    for (const Endpoint& e : r.from) d.add(e);
    d.add(r.to.size());
    for (const Endpoint& e : r.to) d.add(e);
  }
  const uint32_t bits = 32 - kRuleBits;
  const auto v = static_cast<uint32_t>((d.h ^ (d.h >> 32)) & ((1u << bits) - 1));
  return v == 0 ? 1 : v;
}

std::vector<std::pair<uint16_t, uint16_t>> range_masks(uint16_t lo, uint16_t hi) {
  std::vector<std::pair<uint16_t, uint16_t>> out;
  uint32_t at = lo;
  while (at <= hi) {
    // The largest aligned block starting at 'at' that stays within [at, hi].
    uint32_t size = at == 0 ? 0x10000 : (at & -at);
    while (at + size - 1 > hi) size >>= 1;
    out.emplace_back(static_cast<uint16_t>(at), static_cast<uint16_t>(~(size - 1)));
    at += size;
  }
  return out;
}

size_t count_flows(const Spec& spec) {
  size_t n = 1 + 1 + 1;  // the pass flow, invalid, related
  n += spec.networks.size() * 3;  // track, IPv6, default
  for (const Rule& r : spec.rules) {
    size_t pairs = 0;
    for_each_pair(spec, r, [&](uint16_t, const Endpoint&, const Endpoint&) { ++pairs; });
    n += 2 * pairs * port_masks(r);  // the originals' flows and the replies'
    if (r.verdict == Verdict::kAllow) ++n;  // its established flow
  }
  for (const Network& net : spec.networks) {
    if (net.default_allow) return n + 1;  // the established flow of mark 0
  }
  return n;
}

std::vector<FlowMod> flows(const Spec& spec, uint64_t pc) {
  std::vector<FlowMod> out;
  const uint32_t ver = version(spec);
  const uint8_t next = spec.next_table;

  // Table 30: IPv4 into conntrack, one zone per bridge domain.
  for (const Network& net : spec.networks) {
    FlowMod track = flow(pc, Kind::kTrack, net.vlan, kCtTable, kTrackPriority);
    match_exact(track.match, Field::kEthType, kEthTypeIpv4);
    in_domain(track.match, net.vlan);
    Action a{.type = ActionType::kCt};
    a.ct.zone = net.vlan;
    a.ct.table = kRuleTable;
    track.instructions.present = instr::kApplyActions;
    track.instructions.apply_actions.push(a);
    out.push_back(track);
    FlowMod v6 = flow(pc, Kind::kIpv6, net.vlan, kCtTable, kIpv6Priority);
    match_exact(v6.match, Field::kEthType, kEthTypeIpv6);
    in_domain(v6.match, net.vlan);
    if (net.default_allow) go_on(v6, next);
    out.push_back(v6);
  }
  FlowMod pass = flow(pc, Kind::kPass, 0, kCtTable, kPassPriority);
  out.push_back(go_on(pass, next));

  // Table 31: what conntrack said first, then the rules, then the defaults.
  FlowMod invalid = flow(pc, Kind::kInvalid, 0, kRuleTable, kInvalidPriority);
  ct_state_is(invalid.match, kInv | kTrk, kInv | kTrk);
  out.push_back(invalid);
  auto established = [&](uint32_t rule) {
    FlowMod est = flow(pc, Kind::kEstablished, rule, kRuleTable, kEstablishedPriority);
    ct_state_is(est.match, kEst | kTrk, kEst | kTrk);
    match_exact(est.match, Field::kCtMark, mark_of(ver, rule));
    out.push_back(go_on(est, next));
  };
  for (const Rule& r : spec.rules) {
    if (r.verdict == Verdict::kAllow) established(r.number);
  }
  if (std::any_of(spec.networks.begin(), spec.networks.end(),
                  [](const Network& n) { return n.default_allow; })) {
    established(0);
  }
  FlowMod related = flow(pc, Kind::kRelated, 0, kRuleTable, kRelatedPriority);
  ct_state_is(related.match, kRel | kTrk, kRel | kTrk);
  match_set(related.match, Field::kCtMark, mark_of(ver, 0), kVersionMask, true);
  out.push_back(go_on(related, next));

  for (const Rule& r : spec.rules) {
    const auto priority = static_cast<uint16_t>(kFirstRulePriority + 1 - r.number);
    const std::vector<Match> originals = protocol_matches(r, false);
    const std::vector<Match> replies = protocol_matches(r, true);
    for_each_pair(spec, r, [&](uint16_t vlan, const Endpoint& f, const Endpoint& t) {
      auto emit = [&](const Match& proto, bool reply) {
        // The original direction of a rejecting rule goes to the controller, which answers;
        // a reply re-checked after a change is only dropped. A logging rule's originals are
        // punted as well (a copy, when they go on).
        const bool rejects = r.verdict == Verdict::kReject && !reply;
        const bool punts = rejects || (r.log && !reply);
        const uint32_t number = r.number | (r.log && !reply ? kLogFlag : 0);
        FlowMod fm = flow(pc, rejects ? Kind::kReject : Kind::kCheck, number, kRuleTable, priority);
        fm.match = proto;
        in_domain(fm.match, vlan);
        if (reply) {
          ct_state_is(fm.match, kEst | kRpl | kTrk, kRel | kRpl | kInv | kEst | kTrk);
          address(fm.match, Field::kIpv4Src, t.prefix);
          address(fm.match, Field::kIpv4Dst, f.prefix);
        } else {
          ct_state_is(fm.match, kTrk, kRel | kRpl | kInv | kTrk);
          if (f.in_port != 0) match_exact(fm.match, Field::kInPort, f.in_port);
          address(fm.match, Field::kIpv4Src, f.prefix);
          address(fm.match, Field::kIpv4Dst, t.prefix);
        }
        if (r.verdict == Verdict::kAllow) {
          if (punts) punt(fm);
          commit(fm, vlan, mark_of(ver, r.number), next);
        } else if (punts) {
          punt(fm);
        }
        out.push_back(fm);
      };
      for (const Match& m : originals) emit(m, false);
      for (const Match& m : replies) emit(m, true);
    });
  }
  for (const Network& net : spec.networks) {
    FlowMod dflt = flow(pc, Kind::kDefault, net.vlan, kRuleTable, kDefaultPriority);
    match_exact(dflt.match, Field::kEthType, kEthTypeIpv4);
    in_domain(dflt.match, net.vlan);
    if (net.default_allow) commit(dflt, net.vlan, mark_of(ver, 0), next);
    out.push_back(dflt);
  }
  return out;
}

}  // namespace sluice::of::firewall
