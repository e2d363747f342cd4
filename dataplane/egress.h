// Egress: the dataplane's one exit. Stages never send, copy-and-send or free a packet; they
// give it a verdict (pass or drop) or, when they decide its outputs themselves (the OpenFlow
// tables), write them here as an output list: "this frame to port P as it is", "this frame to
// P with bridge domain B's egress", "flood B but the ingress port", "to the controller",
// "drop, because". At the end of each burst the pipeline hands the survivors (each with the
// output its stages chose: meta.out_slot and meta.bd) and the list to the egress, which runs
// every copy's egress actions — the port's VLAN tag for the domain (later VXLAN encapsulation:
// per copy, so head-end replication can encapsulate each copy for its own remote), the MTU
// check — and sends one tx burst per port. Every free of a packet that left the stages and
// every output drop is counted here, by reason (OutputDrop, counters.h). Trace and capture hook
// in here.
//
// Bounded: the list holds kMaxOutputs entries and kMaxPacketIns controller records; a stage
// that writes more (a 64-bucket ALL group on a full burst) makes the egress run what is listed
// first, so nothing is ever refused for room. One Egress per worker (it holds the per-port
// transmit buffers).
#pragma once

#include <array>
#include <cstdint>

#include "dataplane/burst.h"
#include "dataplane/counters.h"
#include "dataplane/learn_queue.h"

struct rte_mbuf;
struct rte_mempool;

namespace sluice::dp {

struct StageContext;
struct Tables;

class Egress {
 public:
  static constexpr uint16_t kMaxOutputs = 256;
  static constexpr uint16_t kMaxPacketIns = kBurstSize;

  // 'pool' provides mbufs for copies; PACKET_INs go to 'packet_in'; 'tx_queue' is this
  // worker's queue on every port.
  Egress(rte_mempool* pool, PacketInQueue* packet_in, uint16_t tx_queue)
      : pool_(pool), packet_in_(packet_in), tx_queue_(tx_queue) {}

  // The output list. Each call takes 'm' (nullptr for drop(): count only).
  // Out of 'slot' as the frame is, tags included (OpenFlow's output:P).
  void port(rte_mbuf* m, uint16_t slot) noexcept { add({m, slot, 0, Kind::kPort}); }
  // Out of 'slot' with bridge domain 'bd''s egress there (tagged, untagged or not allowed).
  void bridge(rte_mbuf* m, uint16_t slot, uint16_t bd) noexcept {
    add({m, slot, bd, Kind::kBridge});
  }
  // To every member of 'bd' but 'in_slot', each copy with its own egress.
  void flood(rte_mbuf* m, uint16_t bd, uint16_t in_slot) noexcept {
    add({m, in_slot, bd, Kind::kFlood});
  }
  // To the controllers (PACKET_IN); r.m is the frame. Only with a PACKET_IN queue.
  void controller(const PacketInRecord& r) noexcept;
  // Dropped for 'why' (counted against 'slot' when it is a port).
  void drop(rte_mbuf* m, OutputDrop why, uint16_t slot = kNoSlot) noexcept;
  // Done with: every output of it was a copy, so it goes without a drop being counted.
  void retire(rte_mbuf* m) noexcept { add({m, kNoSlot, 0, Kind::kRetire}); }
  // A copy of 'm' for a later output or bucket (nullptr, counted no_mbuf_for_copy, when the
  // pool is empty). Not an output: the copy is the stage's until it lists it.
  rte_mbuf* copy(rte_mbuf* m) noexcept;

  // Runs the pipeline's survivors (burst.pkts[0..count), each to meta.out_slot with meta.bd's
  // egress, or flooded when kFloodSlot), then the list, then transmits. Survivors come first:
  // stages list only packets that left the burst, so per-port order within a flow is kept.
  void finish(Burst& burst) noexcept;
  // Runs the list and transmits (after PACKET_OUTs, which have no burst).
  void finish() noexcept;

  // The burst's context (tables, counters, link state); set by the pipeline before its stages run.
  void begin(StageContext& ctx) noexcept { ctx_ = &ctx; }

 private:
  enum class Kind : uint8_t { kPort, kBridge, kFlood, kController, kDrop, kRetire };
  struct Output {
    rte_mbuf* m;
    uint16_t slot;  // the port; kFlood: the ingress port; kDrop: the port counted, or kNoSlot
    uint16_t arg;   // kBridge/kFlood: the bridge domain; kController: the record;
                    // kDrop: the OutputDrop
    Kind kind;
  };

  void add(const Output& o) noexcept {
    if (n_ == kMaxOutputs) run_list();
    list_[n_++] = o;
  }
  void run_list() noexcept;
  void execute(const Output& o) noexcept;
  void count_drop(rte_mbuf* m, uint16_t slot, OutputDrop why) noexcept;
  // What sending to 'slot' with bridge domain 'bd''s egress takes, looked up once for a run
  // of packets: max_len 0 when the port is down, else the longest frame its MTU allows.
  struct BridgeOut {
    uint16_t slot;
    uint16_t bd;
    uint16_t egress;
    uint32_t max_len;
  };
  BridgeOut bridge_out(uint16_t slot, uint16_t bd) const noexcept;
  bool port_up(uint16_t slot) const noexcept;
  void send_bridge(rte_mbuf* m, uint16_t slot, uint16_t bd) noexcept;
  void send_bridge(rte_mbuf* m, const BridgeOut& o) noexcept;
  // n packets with the same BridgeOut, in order.
  void send_run(rte_mbuf* const* pkts, uint16_t n, const BridgeOut& o) noexcept;
  void send_flood(rte_mbuf* m, uint16_t bd, uint16_t in_slot) noexcept;
  void send_port(rte_mbuf* m, uint16_t slot) noexcept;
  bool port_ready(rte_mbuf* m, uint16_t slot) noexcept;
  // Appends 'm' (of 'len' bytes) to the slot's transmit buffer, sending the buffer first when
  // it is full.
  void queue(rte_mbuf* m, uint16_t slot, uint32_t len) noexcept;
  void transmit() noexcept;
  void transmit_slot(uint16_t slot) noexcept;

  StageContext* ctx_ = nullptr;
  rte_mempool* pool_;
  PacketInQueue* packet_in_;
  uint16_t tx_queue_;
  std::array<Output, kMaxOutputs> list_{};
  uint16_t n_ = 0;
  std::array<PacketInRecord, kMaxPacketIns> packet_ins_{};
  uint16_t n_packet_ins_ = 0;
  // Per output slot: packets waiting for this burst's tx, and which slots have any.
  std::array<std::array<rte_mbuf*, kBurstSize>, kMaxPorts> tx_{};
  std::array<uint16_t, kMaxPorts> tx_count_{};
  std::array<uint64_t, kMaxPorts> tx_bytes_{};  // bytes of the queued packets, per slot
  std::array<uint16_t, kMaxPorts> touched_{};   // slots with queued packets, each listed once
  std::array<bool, kMaxPorts> listed_{};         // the slot is in touched_
  uint16_t n_touched_ = 0;
};

}  // namespace sluice::dp
