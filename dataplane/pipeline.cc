#include "dataplane/pipeline.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dataplane/headers.h"
#include "dataplane/tables.h"

namespace sluice::dp {

Pipeline::Pipeline(std::vector<std::unique_ptr<Stage>> stages, rte_mempool* pool,
                   uint16_t tx_queue)
    : stages_(std::move(stages)), pool_(pool), tx_queue_(tx_queue) {
  // Counters are fixed blocks per stage, each with a fixed number of drop reasons: a stage list
  // that does not fit is a build mistake, caught before any packet is counted.
  if (stages_.size() > kMaxStages) {
    std::fprintf(stderr, "sluiced: %zu pipeline stages, but counters hold %zu (kMaxStages)\n",
                 stages_.size(), kMaxStages);
    std::abort();
  }
  for (size_t s = 0; s < stages_.size(); ++s) {
    const size_t reasons = stages_[s]->drop_reason_names().size();
    if (reasons == 0 || reasons > kMaxDropReasons) {
      std::fprintf(stderr, "sluiced: stage %.*s has %zu drop reasons; 1..%zu fit its counters\n",
                   static_cast<int>(stages_[s]->name().size()), stages_[s]->name().data(), reasons,
                   kMaxDropReasons);
      std::abort();
    }
    n_reasons_[s] = static_cast<uint8_t>(reasons);
  }
}

void Pipeline::run(StageContext& ctx, Burst& burst) noexcept {
  Verdicts v;
  ctx.pipeline = this;
  // One TSC read per stage: each stage's end is the next one's start.
  uint64_t t = rte_rdtsc();
  for (size_t s = 0; s < stages_.size() && burst.count > 0; ++s) {
    if (!stages_[s]->active(*ctx.tables)) continue;
    StageCounters& sc = ctx.counters->stages[s];
    sc.calls.add(1);
    sc.packets.add(burst.count);
    stages_[s]->process(ctx, burst, v);
    drop_and_compact(ctx, s, burst, v);
    const uint64_t end = rte_rdtsc();
    sc.cycles.add(end - t);
    t = end;
  }
  if (burst.count > 0) output(ctx, burst);
  transmit(ctx);
}

void Pipeline::drop_and_compact(StageContext& ctx, size_t stage, Burst& burst,
                                const Verdicts& v) noexcept {
  StageCounters& sc = ctx.counters->stages[stage];
  uint16_t kept = 0;
  for (uint16_t i = 0; i < burst.count; ++i) {
    const uint8_t reason = v.reason[i];
    if (reason == kConsumed) continue;
    if (reason == 0) {
      if (kept != i) {
        burst.pkts[kept] = burst.pkts[i];
        burst.meta[kept] = burst.meta[i];
      }
      ++kept;
      continue;
    }
    // A reason outside the stage's table is a stage bug; it still counts, under "none".
    sc.drops[reason < n_reasons_[stage] ? reason : 0].add(1);
    ctx.counters->ports[burst.meta[i].in_slot].rx_dropped.add(1);
    rte_pktmbuf_free(burst.pkts[i]);
  }
  burst.count = kept;
}

void Pipeline::drop_output(StageContext& ctx, rte_mbuf* m, uint16_t slot,
                           OutputDrop why) noexcept {
  ctx.counters->output_drops[static_cast<size_t>(why)].add(1);
  if (slot < kMaxPorts) ctx.counters->ports[slot].tx_dropped.add(1);
  rte_pktmbuf_free(m);
}

void Pipeline::output(StageContext& ctx, Burst& burst) noexcept {
  for (uint16_t i = 0; i < burst.count; ++i) {
    const PacketMeta& meta = burst.meta[i];
    if (meta.out_slot == kFloodSlot) {
      flood(ctx, burst.pkts[i], meta);
    } else {
      enqueue(ctx, burst.pkts[i], meta.out_slot, meta.bd);
    }
  }
}

void Pipeline::flood(StageContext& ctx, rte_mbuf* m, const PacketMeta& meta) noexcept {
  const BridgeDomain* bd = ctx.tables->bridge_domain(meta.bd);
  uint16_t targets[kMaxPorts];
  uint16_t n = 0;
  if (bd != nullptr) {
    for (const FloodMember& member : bd->members) {
      if (member.slot != meta.in_slot) targets[n++] = member.slot;
    }
  }
  if (n == 0) {
    // Only the ingress port is in the domain: nobody to send to. Counted, not silent.
    drop_output(ctx, m, kNoSlot, OutputDrop::kFloodNoMembers);
    return;
  }
  // Copies for all targets but the last, which takes the original.
  for (uint16_t k = 0; k + 1 < n; ++k) {
    rte_mbuf* copy = rte_pktmbuf_copy(m, pool_, 0, UINT32_MAX);
    if (copy == nullptr) {
      drop_output(ctx, nullptr, targets[k], OutputDrop::kNoMbufForFlood);
      continue;
    }
    ctx.counters->flood_copies.add(1);
    enqueue(ctx, copy, targets[k], meta.bd);
  }
  enqueue(ctx, m, targets[n - 1], meta.bd);
}

void Pipeline::enqueue(StageContext& ctx, rte_mbuf* m, uint16_t slot, uint16_t bd) noexcept {
  const Tables& t = *ctx.tables;
  if (slot >= kMaxPorts || !t.ports[slot].active || !t.ports[slot].admin_up ||
      !ctx.link_up(slot)) {
    drop_output(ctx, m, slot, OutputDrop::kPortDown);
    return;
  }
  const uint16_t egress = t.egress_of(slot, bd);
  if (egress == kEgressNone) {
    drop_output(ctx, m, slot, OutputDrop::kEgressVlanNotAllowed);
    return;
  }
  uint32_t len = rte_pktmbuf_pkt_len(m);
  if (len > uint32_t{t.ports[slot].mtu} + RTE_ETHER_HDR_LEN) {
    drop_output(ctx, m, slot, OutputDrop::kMtuExceeded);
    return;
  }
  if (egress != kEgressUntagged) {
    if (!push_tag(m, kTpidVlan, static_cast<uint16_t>(egress & 0xfff))) {
      drop_output(ctx, m, slot, OutputDrop::kNoTagRoom);
      return;
    }
    len += kVlanTagLen;
  }
  queue(ctx, m, slot, len);
}

void Pipeline::queue(StageContext& ctx, rte_mbuf* m, uint16_t slot, uint32_t len) noexcept {
  // A slot can receive more than a burst's worth (copies of every packet to one port, or an
  // output followed by a flood): send what is queued first. The slot stays listed once.
  if (tx_count_[slot] == kBurstSize) transmit_slot(ctx, slot);
  if (!listed_[slot]) {
    listed_[slot] = true;
    touched_[n_touched_++] = slot;
  }
  tx_[slot][tx_count_[slot]++] = m;
  tx_bytes_[slot] += len;
}

rte_mbuf* Pipeline::copy(StageContext& ctx, rte_mbuf* m) noexcept {
  rte_mbuf* c = rte_pktmbuf_copy(m, pool_, 0, UINT32_MAX);
  if (c == nullptr) {
    ctx.counters->output_drops[static_cast<size_t>(OutputDrop::kNoMbufForCopy)].add(1);
  }
  return c;
}

void Pipeline::drop(StageContext& ctx, rte_mbuf* m, OutputDrop why, uint16_t slot) noexcept {
  drop_output(ctx, m, slot, why);
}

void Pipeline::send(StageContext& ctx, rte_mbuf* m, uint16_t slot) noexcept {
  const Tables& t = *ctx.tables;
  if (slot >= kMaxPorts || !t.ports[slot].active || !t.ports[slot].admin_up ||
      !ctx.link_up(slot)) {
    drop_output(ctx, m, slot, OutputDrop::kPortDown);
    return;
  }
  const uint32_t len = rte_pktmbuf_pkt_len(m);
  // The MTU counts what follows the Ethernet header and its VLAN tags.
  uint32_t header = RTE_ETHER_HDR_LEN;
  const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
  for (uint32_t off = 12; off + 4 <= rte_pktmbuf_data_len(m); off += 4) {
    if (!is_tpid(rd16(p + off))) break;
    header += kVlanTagLen;
  }
  if (len > uint32_t{t.ports[slot].mtu} + header) {
    drop_output(ctx, m, slot, OutputDrop::kMtuExceeded);
    return;
  }
  queue(ctx, m, slot, len);
}

void Pipeline::transmit_slot(StageContext& ctx, uint16_t slot) noexcept {
  const Tables& t = *ctx.tables;
  const uint16_t n = tx_count_[slot];
  rte_mbuf** pkts = tx_[slot].data();
  uint64_t bytes = tx_bytes_[slot];
  const uint16_t sent = rte_eth_tx_burst(t.ports[slot].dpdk_port, tx_queue_, pkts, n);
  PortCounters& pc = ctx.counters->ports[slot];
  if (sent < n) {
    for (uint16_t i = sent; i < n; ++i) {
      bytes -= rte_pktmbuf_pkt_len(pkts[i]);
      drop_output(ctx, pkts[i], slot, OutputDrop::kTxQueueFull);
    }
  }
  pc.tx_packets.add(sent);
  pc.tx_bytes.add(bytes);
  tx_count_[slot] = 0;
  tx_bytes_[slot] = 0;
}

void Pipeline::transmit(StageContext& ctx) noexcept {
  for (uint16_t k = 0; k < n_touched_; ++k) {
    const uint16_t slot = touched_[k];
    if (tx_count_[slot] > 0) transmit_slot(ctx, slot);
    listed_[slot] = false;
  }
  n_touched_ = 0;
}

}  // namespace sluice::dp
