#include "dataplane/stages/ingress.h"

#include <cstring>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dataplane/tables.h"

namespace sluice::dp {
namespace {

// Removes the 802.1Q tag in place: the MAC addresses move up by four bytes.
void strip_tag(rte_mbuf* m) noexcept {
  uint8_t* p = rte_pktmbuf_mtod(m, uint8_t*);
  std::memmove(p + RTE_VLAN_HLEN, p, 2 * RTE_ETHER_ADDR_LEN);
  rte_pktmbuf_adj(m, RTE_VLAN_HLEN);
}

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
  if (meta.tagged || meta.priority_tagged) strip_tag(m);
  meta.bd = action.bd;
  flows.add(action.flow, meta.len);
  return IngressDrop::kNone;
}

}  // namespace

void IngressStage::process(StageContext& ctx, Burst& burst, Verdicts& out) noexcept {
  const Tables& t = *ctx.tables;
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
