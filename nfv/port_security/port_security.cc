#include "nfv/port_security/port_security.h"

#include <map>
#include <optional>
#include <set>

#include <rte_mbuf.h>

#include "dataplane/tables.h"
#include "openflow/oxm.h"

namespace sluice::nfv {
namespace {

namespace ps = of::port_security;
using of::Field;

constexpr uint16_t kEthTypeIpv4 = 0x0800, kEthTypeArp = 0x0806, kEthTypeIpv6 = 0x86dd;

std::optional<ps::Prefix> prefix_of(const of::Match& m, Field f) {
  const auto value = static_cast<uint32_t>(of::match_value(m, f));
  const auto mask = static_cast<uint32_t>(of::match_mask(m, f));
  const auto len = static_cast<uint8_t>(__builtin_popcount(mask));
  const ps::Prefix p{value, len};
  if (p.mask() != mask || !ps::well_formed(p)) return std::nullopt;
  return p;
}

// The rule port_flows() would have written 'flows' (one port's) from, or nullopt when they
// cannot come from one.
std::optional<ps::PortRule> rule_of(uint32_t port, const std::vector<const dp::FlowEntry*>& flows) {
  ps::PortRule rule;
  rule.port = port;
  std::set<uint64_t> macs;
  std::set<ps::Prefix> prefixes;
  std::optional<uint8_t> next;
  bool port_flow = false;
  for (const dp::FlowEntry* f : flows) {
    if (f->idle_timeout != 0 || f->hard_timeout != 0) return std::nullopt;
    if ((f->instructions.present & of::instr::kGotoTable) != 0) {
      if (next && *next != f->instructions.goto_table) return std::nullopt;
      next = f->instructions.goto_table;
    }
    if (f->match.has(Field::kEthSrc)) macs.insert(of::match_value(f->match, Field::kEthSrc));
    if (f->priority == ps::kAllowPriority && f->match.has(Field::kIpv4Src)) {
      auto p = prefix_of(f->match, Field::kIpv4Src);
      if (!p) return std::nullopt;
      prefixes.insert(*p);
    }
    if (f->priority == ps::kPortPriority && !f->match.has(Field::kEthSrc)) {
      port_flow = true;
      rule.pass = (f->instructions.present & of::instr::kGotoTable) != 0;
    }
  }
  if (!port_flow || (rule.pass && !macs.empty())) return std::nullopt;
  rule.macs.assign(macs.begin(), macs.end());
  rule.prefixes.assign(prefixes.begin(), prefixes.end());
  rule.next_table = next.value_or(0);
  return rule;
}

// The counter slots of 'flows' in port_flows(rule)'s order, or nullopt unless 'flows' are
// exactly those flows.
std::optional<std::vector<uint32_t>> counters_of(const ps::PortRule& rule,
                                                 const std::vector<const dp::FlowEntry*>& flows) {
  const std::vector<of::FlowMod> want = ps::port_flows(rule, 0);
  if (want.size() != flows.size()) return std::nullopt;
  std::vector<uint32_t> out;
  out.reserve(want.size());
  for (const of::FlowMod& w : want) {
    const dp::FlowEntry* hit = nullptr;
    for (const dp::FlowEntry* f : flows) {
      if (f->priority == w.priority && f->match == w.match) hit = f;
    }
    if (hit == nullptr || hit->instructions != w.instructions) return std::nullopt;
    out.push_back(hit->counter);
  }
  return out;
}

// Fills 'p' from the rule and its counters (in port_flows()'s order).
void fill(PortSecurityTable::Port& p, const ps::PortRule& rule, const std::vector<uint32_t>& c) {
  p.present = true;
  p.pass = rule.pass;
  p.next_table = rule.next_table;
  p.prefixes = rule.prefixes;
  size_t at = 0;
  for (const uint64_t mac : rule.macs) {
    PortSecurityTable::Mac m;
    m.mac = mac;
    for (size_t j = 0; j < rule.prefixes.size(); ++j) {
      m.ip_flow.push_back(c[at++]);
      m.arp_flow.push_back(c[at++]);
    }
    m.probe_flow = c[at++];
    m.dhcp_flow = c[at++];
    m.drop_ip_flow = c[at++];
    m.drop_arp_flow = c[at++];
    m.drop_ipv6_flow = c[at++];
    m.other_flow = c[at++];
    p.macs.push_back(std::move(m));
  }
  p.port_flow = c[at];
}

}  // namespace

std::shared_ptr<const dp::SpecialTable> PortSecuritySpecialiser::compile(
    std::span<const dp::FlowEntry* const> flows,
    const std::array<dp::PortRuntime, dp::kMaxPorts>& ports) const {
  std::map<uint32_t, std::vector<const dp::FlowEntry*>> by_port;
  for (const dp::FlowEntry* f : flows) {
    if (!f->match.has(Field::kInPort)) return nullptr;
    by_port[f->match.in_port].push_back(f);
  }
  auto table = std::make_shared<PortSecurityTable>();
  std::set<uint8_t> next;
  for (const auto& [port, own] : by_port) {
    const auto rule = rule_of(port, own);
    if (!rule) return nullptr;
    const auto counters = counters_of(*rule, own);
    if (!counters) return nullptr;
    if (rule->pass || !rule->macs.empty()) next.insert(rule->next_table);
    for (uint16_t s = 0; s < dp::kMaxPorts; ++s) {
      // A port that is not attached sends nothing: its flows need no entry.
      if (ports[s].active && ports[s].of_port == port) fill(table->ports[s], *rule, *counters);
    }
  }
  table->next_tables.assign(next.begin(), next.end());
  return table;
}

bool PortSecurityStage::active(const dp::Tables& t) const noexcept {
  return t.special[ps::kTable] != nullptr;
}

void PortSecurityStage::process(dp::StageContext& ctx, dp::Burst& burst,
                                dp::Verdicts& out) noexcept {
  // The compiler made this table's structure, and only this stage reads it.
  const auto& table = static_cast<const PortSecurityTable&>(*ctx.tables->special[ps::kTable]);
  dp::FlowCountBatch flows(ctx.counters->flows);
  uint32_t lookups = 0, matched = 0;
  for (uint16_t i = 0; i < burst.count; ++i) {
    out.reason[i] = 0;
    dp::PacketMeta& meta = burst.meta[i];
    if (meta.table != ps::kTable) continue;
    ++lookups;
    const PortSecurityTable::Port& port = table.ports[meta.in_slot];
    const auto drop = [&](PortSecurityDrop why) { out.reason[i] = static_cast<uint8_t>(why); };
    if (!port.present) {
      drop(PortSecurityDrop::kTableMiss);
      continue;
    }
    if (meta.layout.malformed) {  // the classifier would not match it either
      drop(PortSecurityDrop::kMalformedIp);
      continue;
    }
    ++matched;
    const uint32_t len = rte_pktmbuf_pkt_len(burst.pkts[i]);
    const auto allow = [&](uint32_t flow) {
      flows.add(flow, len);
      meta.table = port.next_table;
    };
    if (port.pass) {
      allow(port.port_flow);
      continue;
    }
    const dp::FlowKey& k = meta.key;
    const PortSecurityTable::Mac* mac = nullptr;
    for (const auto& m : port.macs) {
      if (m.mac == k.eth_src) mac = &m;
    }
    if (mac == nullptr) {
      flows.add(port.port_flow, len);
      drop(PortSecurityDrop::kSpoofedMac);
      continue;
    }
    // The flows' priorities, highest first: a listed prefix, then the unspecified address,
    // then the per-protocol drop.
    const auto listed = [&](uint32_t addr) -> int {
      for (size_t j = 0; j < port.prefixes.size(); ++j) {
        if ((addr & port.prefixes[j].mask()) == port.prefixes[j].addr) return static_cast<int>(j);
      }
      return -1;
    };
    switch (k.eth_type) {
      case kEthTypeIpv4: {
        if (const int j = listed(k.ipv4_src); j >= 0) {
          allow(mac->ip_flow[static_cast<size_t>(j)]);
        } else if (k.ipv4_src == 0 && k.ip_proto == 17 && k.l4_src == 68 && k.l4_dst == 67) {
          allow(mac->dhcp_flow);
        } else {
          flows.add(mac->drop_ip_flow, len);
          drop(PortSecurityDrop::kSpoofedIp);
        }
        break;
      }
      case kEthTypeArp: {
        // The key holds the sender's addresses in ipv4_src and arp_sha (flow_key.h).
        const int j = k.arp_sha == mac->mac ? listed(k.ipv4_src) : -1;
        if (j >= 0) {
          allow(mac->arp_flow[static_cast<size_t>(j)]);
        } else if (k.arp_sha == mac->mac && k.ipv4_src == 0) {
          allow(mac->probe_flow);
        } else {
          flows.add(mac->drop_arp_flow, len);
          drop(PortSecurityDrop::kSpoofedArp);
        }
        break;
      }
      case kEthTypeIpv6:
        flows.add(mac->drop_ipv6_flow, len);
        drop(PortSecurityDrop::kSpoofedIp);
        break;
      default:
        allow(mac->other_flow);
        break;
    }
  }
  ctx.counters->table_lookups[ps::kTable].add(lookups);
  ctx.counters->table_matches[ps::kTable].add(matched);
}

}  // namespace sluice::nfv
