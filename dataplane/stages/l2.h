// L2Stage (the learning table, Tables::learning_table; table 40 in sluicectl's policies): MAC
// learning and forwarding within a bridge domain, for the frames the ingress stage sends to the
// learning table (meta.table). Other frames pass on untouched.
//
// For each of its frames: looks up (bd, eth_src) and (bd, eth_dst) in bulk. A source seen for the
// first time, or on another port than before, becomes a learn request for the control lcore
// (workers never write the table's keys). A known unicast destination sets the output port;
// broadcast, multicast and unknown unicast are flooded to the bridge domain's group.
//
// Edges: pass → output (unicast port or flood). Drops: no_bridge_domain (no table-40 flow for
// the frame's VLAN), invalid_src_mac (multicast source), mac_limit (new source on a port at
// its MAC limit), static_mac_conflict (source is a static MAC of another port), hairpin
// (destination is the ingress port), vlan_mac_limit (new source in a VLAN at its cap of
// learned MACs).
// Counters: per-stage; learn_queue_full per worker; per flow (flood flow, static MAC flows).
// Configured by: GROUP_MOD (flood groups), FLOW_MOD table 40, PORT_SET (mac_limit).
// Threading: one instance per worker (it owns that worker's MacCache); MacTable readers are
// lock-free.
#pragma once

#include <array>

#include "dataplane/learn_queue.h"
#include "dataplane/mac_cache.h"
#include "dataplane/stage.h"

namespace sluice::dp {

enum class L2Drop : uint8_t {
  kNone = 0,
  kNoBridgeDomain,
  kInvalidSrcMac,
  kMacLimit,
  kStaticMacConflict,
  kHairpin,
  kVlanMacLimit,
  kCount
};
inline constexpr std::array<const char*, 7> kL2DropNames = {
    "none",     "no_bridge_domain", "invalid_src_mac", "mac_limit", "static_mac_conflict",
    "hairpin", "vlan_mac_limit"};
static_assert(kL2DropNames.size() == static_cast<size_t>(L2Drop::kCount));

struct BridgeDomain;
struct LearnRequest;

// The two halves of learning-table forwarding, shared with the "openflow" stage (which runs
// them one packet at a time for frames that reach the learning table from a classifier table).
// Source side: learn (appending to 'learn', once per key), refresh, or refuse.
L2Drop l2_check_source(MacTable& macs, uint32_t now, const PacketMeta& meta, int32_t pos,
                       LearnRequest* learn, uint32_t& n_learn) noexcept;
// Destination side: meta.out_slot becomes the unicast port or kFloodSlot; hairpin drops.
L2Drop l2_choose_output(const MacTable& macs, const BridgeDomain& bd, PacketMeta& meta,
                        int32_t pos, FlowCountBatch& flows) noexcept;

class L2Stage final : public Stage {
 public:
  // The MAC table it reads and refreshes, and the queue of its learning requests.
  L2Stage(MacTable& macs, LearnQueue& learn) noexcept : macs_(macs), learn_(learn) {}
  std::string_view name() const noexcept override { return "l2"; }
  std::span<const char* const> drop_reason_names() const noexcept override {
    return kL2DropNames;
  }
  // Its frames come from table 0's direct arrays, into a learning table.
  bool active(const Tables& t) const noexcept override;
  void process(StageContext& ctx, Burst& burst, Verdicts& out) noexcept override;

 private:
  MacTable& macs_;
  LearnQueue& learn_;
  MacCache cache_;  // this worker's; one L2Stage per worker
};

}  // namespace sluice::dp
