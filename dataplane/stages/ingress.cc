#include "dataplane/stages/ingress.h"

#include <algorithm>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dataplane/headers.h"
#include "dataplane/tables.h"

namespace sluice::dp {
namespace {

IngressDrop classify(const Tables& t, rte_mbuf* m, PacketMeta& meta,
                     FlowCountBatch& flows) noexcept {
  const uint16_t slot = meta.in_slot;
  if (!t.ports[slot].admin_up) return IngressDrop::kPortDown;
  const IngressPort& port = t.ingress[slot];
  if (!port.configured) return IngressDrop::kPortNotConfigured;
  IngressAction action;
  if (meta.tagged) {
    if (!port.tagged.empty()) action = port.tagged[meta.vid];
  } else {
    action = port.untagged;
  }
  if (action.bd == 0) return IngressDrop::kVlanNotAllowed;
  // The tag goes (the frame travels untagged inside its bridge domain); the key and layout
  // follow it.
  if (meta.tagged || meta.priority_tagged) pop_vlan(m, meta.key, meta.layout);
  meta.bd = action.bd;
  meta.key.metadata = action.bd;  // write_metadata:V/0xfff over the initial 0
  meta.table = action.goto_table;
  flows.add(action.flow, meta.len);
  return IngressDrop::kNone;
}

}  // namespace

bool IngressStage::active(const Tables& t) const noexcept { return t.ingress_direct; }

void IngressStage::process(StageContext& ctx, Burst& burst, Verdicts& out) noexcept {
  const Tables& t = *ctx.tables;
  if (!t.ingress_direct) {  // not active (run_stage in tests calls it anyway)
    std::fill_n(out.reason.begin(), burst.count, uint8_t{0});
    return;
  }
  FlowCountBatch flows(ctx.counters->flows);
  uint32_t matched = 0;
  for (uint16_t i = 0; i < burst.count; ++i) {
    const IngressDrop d = classify(t, burst.pkts[i], burst.meta[i], flows);
    out.reason[i] = static_cast<uint8_t>(d);
    matched += d == IngressDrop::kNone;
  }
  // Table 0's statistics (OFPMP_TABLE), as the general pipeline counts them.
  ctx.counters->table_lookups[0].add(burst.count);
  ctx.counters->table_matches[0].add(matched);
}

}  // namespace sluice::dp
