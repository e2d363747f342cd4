#include "dataplane/compiler.h"

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <vector>

#include "dataplane/mac_table.h"
#include "openflow/l2_contract.h"

namespace sluice::dp {
namespace {

using of::Field;

class SlotMap {
 public:
  explicit SlotMap(const std::array<PortRuntime, kMaxPorts>& ports) {
    for (uint16_t s = 0; s < kMaxPorts; ++s) {
      if (ports[s].active) slots_[ports[s].of_port] = s;
    }
  }
  std::optional<uint16_t> find(uint32_t of_port) const {
    auto it = slots_.find(of_port);
    if (it == slots_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::unordered_map<uint32_t, uint16_t> slots_;
};

// Flows in ascending priority, so that a higher-priority flow for the same key wins.
std::vector<const FlowEntry*> by_priority(const FlowStore& store, uint8_t table) {
  std::vector<const FlowEntry*> out;
  for (const FlowEntry& f : store.flows()) {
    if (f.table_id == table) out.push_back(&f);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const FlowEntry* a, const FlowEntry* b) { return a->priority < b->priority; });
  return out;
}

void compile_ingress(const FlowStore& store, const SlotMap& slots, Tables& t) {
  for (const FlowEntry* f : by_priority(store, 0)) {
    auto slot = slots.find(f->match.in_port);
    if (!slot) continue;  // the port is not (yet) there
    IngressPort& port = t.ingress[*slot];
    port.configured = true;
    const IngressAction action{static_cast<uint16_t>(f->instructions.metadata & 0xfff),
                               f->counter};
    if ((f->match.vlan_vid & of::kVidPresent) == 0) {
      port.untagged = action;
    } else {
      if (port.tagged.empty()) port.tagged.assign(kVlanCount, IngressAction{});
      port.tagged[f->match.vlan_vid & 0xfff] = action;
    }
  }
}

void compile_bridge_domains(const FlowStore& store, const SlotMap& slots, Tables& t) {
  // One flood flow per VLAN: the highest priority wins. Only the winner's group defines the
  // domain's members and their egress.
  std::map<uint16_t, const FlowEntry*> winners;
  for (const FlowEntry* f : by_priority(store, 1)) {
    if (!f->match.has(Field::kEthDst)) winners[f->match.metadata & 0xfff] = f;
  }
  for (const auto& [vid, f] : winners) {
    const uint32_t group_id = f->instructions.apply_actions.view()[0].group_id;
    auto g = store.groups().find(group_id);
    if (g == store.groups().end()) continue;
    BridgeDomain bd;
    bd.vid = vid;
    bd.flood_flow = f->counter;
    for (const of::Bucket& b : g->second.buckets) {
      auto egress = of::l2::parse_egress(b.actions);
      auto slot = egress ? slots.find(egress->port) : std::nullopt;
      if (!slot) continue;
      bd.members.push_back(FloodMember{*slot, egress->push_vid});
      auto& e = t.egress[*slot];
      if (e.empty()) e.assign(kVlanCount, kEgressNone);
      e[vid] = egress->push_vid;
    }
    t.bd_index[vid] = static_cast<int16_t>(t.bds.size());
    t.bds.push_back(std::move(bd));
  }
}

std::map<uint64_t, StaticMac> compile_statics(const FlowStore& store, const SlotMap& slots) {
  std::map<uint64_t, StaticMac> out;
  for (const FlowEntry* f : by_priority(store, 1)) {
    if (!f->match.has(Field::kEthDst)) continue;
    auto egress = of::l2::parse_egress(f->instructions.apply_actions);
    auto slot = egress ? slots.find(egress->port) : std::nullopt;
    if (!slot) continue;
    const uint16_t vid = static_cast<uint16_t>(f->match.metadata & 0xfff);
    out[mac_key(vid, f->match.eth_dst.data())] = StaticMac{*slot, f->counter};
  }
  return out;
}

}  // namespace

Compiled compile(const FlowStore& store, const std::array<PortRuntime, kMaxPorts>& ports,
                 uint64_t version) {
  Compiled out;
  out.tables = std::make_unique<Tables>();
  Tables& t = *out.tables;
  t.version = version;
  t.ports = ports;
  for (uint16_t s = 0; s < kMaxPorts; ++s) {
    if (ports[s].active) t.active_slots.push_back(s);
  }
  const SlotMap slots(ports);
  compile_ingress(store, slots, t);
  compile_bridge_domains(store, slots, t);
  out.statics = compile_statics(store, slots);
  return out;
}

}  // namespace sluice::dp
