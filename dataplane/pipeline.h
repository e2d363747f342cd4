// Pipeline: runs the stages over a burst, then sends the survivors.
//
// After each stage it frees and counts the dropped packets (per stage and reason, and per
// ingress port) and compacts the burst. The output phase resolves each packet's egress —
// unicast port or the bridge domain's flood list, never back out of the ingress port — adds
// the 802.1Q tag where the egress port carries the domain tagged, groups packets per output
// port and sends one tx burst per port. Output drops have their own reasons (port_down,
// tx_queue_full, egress_vlan_not_allowed, mtu_exceeded, no_mbuf_for_flood, no_tag_room).
// One Pipeline per worker; it holds per-port transmit buffers, so it is not shared.
#pragma once

#include <array>
#include <memory>
#include <span>
#include <vector>

#include "dataplane/stage.h"

struct rte_mempool;

namespace sluice::dp {

struct Tables;

class Pipeline {
 public:
  // 'pool' provides mbufs for flood copies; 'tx_queue' is this worker's queue on every port.
  // Aborts (a build mistake) if there are more than kMaxStages stages or a stage has more than
  // kMaxDropReasons drop reasons: the counter blocks are fixed arrays of those sizes.
  Pipeline(std::vector<std::unique_ptr<Stage>> stages, rte_mempool* pool, uint16_t tx_queue);

  void run(StageContext& ctx, Burst& burst) noexcept;

  std::span<const std::unique_ptr<Stage>> stages() const noexcept { return stages_; }

  // For stages that send packets themselves. send() takes 'm' (frame complete, tags included)
  // and queues it for 'slot' — or frees and counts it (port down, MTU). copy() duplicates 'm'
  // into this pipeline's pool (nullptr, counted, when the pool is empty). drop() frees and counts.
  void send(StageContext& ctx, rte_mbuf* m, uint16_t slot) noexcept;
  rte_mbuf* copy(StageContext& ctx, rte_mbuf* m) noexcept;
  void drop(StageContext& ctx, rte_mbuf* m, OutputDrop why, uint16_t slot = kNoSlot) noexcept;
  // Bridge-domain output (the L2 table's): flood() sends 'm' to every member of meta.bd but
  // meta.in_slot; enqueue() sends it out of 'slot' with bd's egress (tagged or not). Both take
  // 'm' and free and count it on a drop.
  void flood(StageContext& ctx, rte_mbuf* m, const PacketMeta& meta) noexcept;
  void enqueue(StageContext& ctx, rte_mbuf* m, uint16_t slot, uint16_t bd) noexcept;
  // Transmits what send() queued (run() does this itself at its end).
  void flush(StageContext& ctx) noexcept { transmit(ctx); }

 private:
  void drop_and_compact(StageContext& ctx, size_t stage, Burst& burst,
                        const Verdicts& v) noexcept;
  void output(StageContext& ctx, Burst& burst) noexcept;
  void drop_output(StageContext& ctx, rte_mbuf* m, uint16_t slot, OutputDrop why) noexcept;
  // Appends 'm' (of 'len' bytes) to the slot's transmit buffer, sending the buffer first when
  // it is full.
  void queue(StageContext& ctx, rte_mbuf* m, uint16_t slot, uint32_t len) noexcept;
  void transmit(StageContext& ctx) noexcept;
  void transmit_slot(StageContext& ctx, uint16_t slot) noexcept;

  std::vector<std::unique_ptr<Stage>> stages_;
  std::array<uint8_t, kMaxStages> n_reasons_{};  // stages_[s]->drop_reason_names().size()
  rte_mempool* pool_;
  uint16_t tx_queue_;
  // Per output slot: packets waiting for this burst's tx, and which slots have any.
  std::array<std::array<rte_mbuf*, kBurstSize>, kMaxPorts> tx_{};
  std::array<uint16_t, kMaxPorts> tx_count_{};
  std::array<uint64_t, kMaxPorts> tx_bytes_{};  // bytes of the queued packets, per slot
  std::array<uint16_t, kMaxPorts> touched_{};  // slots with queued packets, each listed once
  std::array<bool, kMaxPorts> listed_{};        // the slot is in touched_
  uint16_t n_touched_ = 0;
};

}  // namespace sluice::dp
