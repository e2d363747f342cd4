// OpenFlowStage: the OpenFlow 1.3 tables that are classifiers, after the ingress and l2 stages.
//
// It walks the packets whose next table (meta.table) is one of its own: every packet when table
// 0 is a classifier, else those that table 0's direct arrays sent past the learning table.
// Packets whose output an earlier stage decided pass on untouched, and tables no packet visits
// cost nothing. For each packet: take its FlowKey and layout from the parse stage (a VID-0
// priority tag is removed first, so such frames are untagged everywhere), then walk the tables
// from meta.table. Goto only goes forward, so the burst is processed table by table in
// ascending order. In each table the Classifier finds the flow; its apply-actions run at once
// (push/pop VLAN and set-field rewrite the frame and the key; outputs, groups and NORMAL list
// copies on the egress), then clear-actions, write-actions (into the packet's action set),
// write-metadata and goto. When a packet's pipeline ends, its action set runs: pop, push,
// set-fields, then group or else output. The last thing that sends a packet takes the original
// instead of a copy. The learning table, if the pipeline reaches it, learns and forwards like
// the L2 stage (bridge domain from metadata, egress from the flood group), and so does NORMAL in
// any table. The stage never sends or frees a packet: it lists outputs (egress.h).
//
// Open vSwitch's ct() runs here too (conntrack.h): a ct(table=N) ends the packet's flow and
// sends it on to table N with ct_state, ct_zone and ct_mark set; the packets of one table that
// do so are tracked together after that table's lookups (the tracker's bulk lookup). A ct()
// without table= tracks (and commits) at once and the flow's actions go on.
//
// Drops (stage "openflow"): port_down (the ingress port is administratively down), table_miss
// (no flow matched and nothing was sent), no_output (the pipeline ended with nothing sent),
// no_tag_room (push_vlan without headroom), malformed_ip (an L3/L4 header the key cannot be
// read from safely: see flow_key.h), and the L2 drops of the learning table and of NORMAL.
// ct_table_full, ct_port_limit (a commit refused: the connection table, or the ingress port's
// share of it, is full), ct_busy (a connection's entry stayed held by another worker),
// ct_unavailable (a ct() action with no tracker in this daemon).
// Output-side drops are counted by the egress (unknown_port, output_to_in_port,
// no_mbuf_for_copy, group_no_live_bucket, normal_no_output, ...).
// Counters: per flow, per table (lookups, matches).
// Threading: one instance per worker.
#pragma once

#include <array>

#include "dataplane/conntrack.h"
#include "dataplane/flow_key.h"
#include "dataplane/learn_queue.h"
#include "dataplane/mac_cache.h"
#include "dataplane/of_program.h"
#include "dataplane/stage.h"

namespace sluice::dp {

enum class OfDrop : uint8_t {
  kNone = 0,
  kPortDown,
  kTableMiss,
  kNoOutput,
  kNoTagRoom,
  kNoBridgeDomain,
  kInvalidSrcMac,
  kMacLimit,
  kStaticMacConflict,
  kHairpin,
  kVlanMacLimit,
  kMalformedIp,
  kCtTableFull,
  kCtPortLimit,
  kCtBusy,
  kCtUnavailable,
  kCount
};
inline constexpr std::array<const char*, 16> kOfDropNames = {
    "none",          "port_down",  "table_miss", "no_output",           "no_tag_room", "no_bridge_domain",
    "invalid_src_mac", "mac_limit", "static_mac_conflict", "hairpin", "vlan_mac_limit",
    "malformed_ip",  "ct_table_full", "ct_port_limit", "ct_busy", "ct_unavailable"};
static_assert(kOfDropNames.size() == static_cast<size_t>(OfDrop::kCount));

// PACKET_OUT: runs 'actions' on 'm', which it takes, as a frame from 'in_slot' (kNoSlot: from
// the controller). Its outputs go to ctx.out; the caller finishes the egress. output:TABLE hands the frame as
// the actions before it left it (a copy, unless it is the last output) to 'to_table', which
// runs it through the tables.
using ToTable = void (*)(void* arg, rte_mbuf* m, uint16_t in_slot) noexcept;
// output:CONTROLLER goes to 'packet_in' (nullptr: counted packet_in_unavailable).
void run_packet_out(StageContext& ctx, rte_mbuf* m, uint16_t in_slot,
                    const of::ActionList& actions, PacketInQueue* packet_in, ToTable to_table,
                    void* to_table_arg) noexcept;

class L2Forward;

class OpenFlowStage final : public Stage {
 public:
  // The learning table's MAC table and learning queue; PACKET_INs go to 'packet_in' (nullptr:
  // none, output:CONTROLLER is counted packet_in_unavailable); ct() to 'ct' (nullptr: none,
  // counted ct_unavailable).
  OpenFlowStage(MacTable& macs, LearnQueue& learn, PacketInQueue* packet_in,
                Conntracker* ct = nullptr) noexcept
      : macs_(macs), learn_(learn), packet_in_(packet_in), ct_(ct) {}
  std::string_view name() const noexcept override { return "openflow"; }
  std::span<const char* const> drop_reason_names() const noexcept override { return kOfDropNames; }
  // No packet can reach a classifier table (an L2 pipeline): nothing to do.
  bool active(const Tables& t) const noexcept override;
  void process(StageContext& ctx, Burst& burst, Verdicts& out) noexcept override;

  // A packet's state while it walks the tables.
  struct PacketState {
    FlowKey key;
    PacketLayout layout;
    std::array<const Op*, kSetSlots> set{};
    uint32_t set_present = 0;  // bit per SetSlot
    uint8_t table = 0;         // the next table to look up
    uint8_t sent = 0;          // copies sent so far (saturating)
    bool done = false;         // the walk is over (miss, or no goto)
    bool passed = false;       // not this stage's: an earlier one decided its output
    bool missed = false;
    uint8_t verdict = 0;       // kConsumed, or the drop reason once decided
    // The last flow that matched, for PACKET_IN.
    uint8_t hit_table = 0;
    bool hit_table_miss = false;
    uint64_t hit_cookie = 0;
    CtMemo ct;  // what its last ct() found
  };

  // PACKET_INs each worker may send per second (a token bucket of that depth).
  static constexpr uint32_t kPacketInPerSecond = 1000;

 private:
  void refill_packet_in_tokens() noexcept;
  // Resets each packet's walk; false when no packet of the burst is this stage's.
  bool start(StageContext& ctx, Burst& burst, Verdicts& out) noexcept;
  // Packet state 'st' goes on to table 'tid'.
  void go_to(PacketState& st, uint8_t tid) noexcept {
    st.table = tid;
    st.done = false;
    pending_tables_ |= uint64_t{1} << (tid & 63);
  }
  // Looks up the packets at table 'tid' together and runs what each matched.
  void walk_table(StageContext& ctx, Burst& burst, uint8_t tid, FlowCountBatch& flows,
                  L2Forward& l2) noexcept;
  // Packet i at the learning table; true when its bridge domain exists (a table match).
  bool learning_table(StageContext& ctx, Burst& burst, uint16_t i, L2Forward& l2) noexcept;
  // Packet i matched 'f': apply-actions, clear, write-actions, metadata, goto.
  void run_flow(StageContext& ctx, Burst& burst, uint16_t i, const CompiledFlow& f,
                L2Forward& l2) noexcept;
  // A ct() op for packet i, filled into 'req'.
  void ct_request(Burst& burst, uint16_t i, const Op& op, CtRequest& req) noexcept;
  // Tracks 'n' requests of packets 'who'; a refused one is dropped. With 'recirculate' each
  // packet goes on to its op's table.
  void run_ct(StageContext& ctx, CtRequest* reqs, const uint16_t* who, const Op* const* ops,
              uint16_t n, bool recirculate) noexcept;
  // Packet i's end of the pipeline (its action set); returns its verdict.
  uint8_t finish(StageContext& ctx, Burst& burst, uint16_t i, L2Forward& l2) noexcept;

  MacTable& macs_;
  LearnQueue& learn_;
  PacketInQueue* packet_in_;
  Conntracker* ct_;
  MacCache cache_;  // this worker's, for the learning table
  uint64_t pin_tokens_ = kPacketInPerSecond;  // PACKET_INs this worker may still send
  uint64_t pin_refill_tsc_ = 0;
  std::array<PacketState, kBurstSize> state_;
  // Bit t: some packet of the burst waits at table t (goto only goes forward, so the walk
  // takes the lowest bit until none is left and visits no table nobody is at).
  uint64_t pending_tables_ = 0;
  // The packets of the table being walked whose flows ended in ct(table=N).
  std::array<uint16_t, kBurstSize> ct_who_{};
  std::array<const Op*, kBurstSize> ct_ops_{};
  uint16_t n_ct_ = 0;
};

}  // namespace sluice::dp
