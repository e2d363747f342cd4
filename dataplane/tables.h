// The compiled, immutable view of the pipeline's configuration that workers read: ports,
// table 0 (ingress VLAN classification), the learning table's bridge domains and flood lists,
// the per-port egress encapsulation, and the OpenFlow program for every other table. The
// control service builds a new Tables off the fast path, publishes it with one pointer swap
// (TablesHandle) and frees the old one only after every worker has passed a quiescent point.
// Learned MACs live in MacTable, not here.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/counters.h"
#include "dataplane/of_program.h"
#include "dataplane/special_table.h"

struct rte_rcu_qsbr;

namespace sluice::dp {

inline constexpr uint16_t kVlanCount = 4096;
inline constexpr uint32_t kNoFlowCounter = 0xffffffff;

struct PortRuntime {
  bool active = false;    // the slot holds a started port
  bool admin_up = true;   // administratively up (PORT_SET)
  uint16_t dpdk_port = 0;
  uint16_t mtu = 1500;
  uint32_t of_port = 0;   // OpenFlow port number
  friend bool operator==(const PortRuntime&, const PortRuntime&) = default;
};

// What table 0 decided for one (port, VLAN form): the bridge domain and the flow's counter.
struct IngressAction {
  uint16_t bd = 0;  // 0 = no flow (miss)
  uint8_t goto_table = 0;  // where the flow sends the frame next
  uint32_t flow = kNoFlowCounter;
};

struct IngressPort {
  bool configured = false;          // the port has at least one table-0 flow
  IngressAction untagged;           // untagged and priority-tagged frames
  std::vector<IngressAction> tagged;  // indexed by VID; empty when no tagged VLAN is accepted
};

// How a frame of a bridge domain leaves a port: untagged, with an 802.1Q tag of some VID, or
// not at all (the port is not in the domain).
inline constexpr uint16_t kEgressUntagged = 0;
inline constexpr uint16_t kEgressNone = 0xffff;

struct FloodMember {
  uint16_t slot = 0;
  uint16_t egress = kEgressNone;  // kEgressUntagged or the VID to push
};

struct BridgeDomain {
  uint16_t vid = 0;
  uint32_t flood_flow = kNoFlowCounter;  // the table-40 priority-0 flow's counter
  std::vector<FloodMember> members;
};

struct Tables {
  uint64_t version = 0;
  // How workers run the tables, chosen per table (docs/architecture.md, "Tables"):
  //   table 0: direct arrays per (port, VID) in 'ingress' (the ingress stage) while every
  //     table-0 flow is an ingress shape, else the classifier of 'program' (the openflow stage);
  //   the learning table: the L2 stage, for the frames the ingress stage sends there;
  //   every other table (and the learning table when reached from a classifier table): the
  //     openflow stage, which runs only the tables a packet visits.
  bool ingress_direct = true;
  // Whether any packet can reach a classifier table (table 0 is one, or an ingress flow goes to
  // a table past the learning table). While none can — an L2 pipeline — the parse stage reads
  // only where the tags end (PacketMeta's key is then not read by anyone, and not written) and
  // the openflow stage does not run. Fragment dropping reads the IP header either way.
  bool reaches_classifiers = true;
  // Whether any stage reads PacketMeta's key (a classifier, or a special table's stage); while
  // none does, the parse stage reads only where the tags end.
  bool reads_key = true;
  uint8_t learning_table = 0xff;  // of::kNoLearningTable: none
  // Per table: the network function's structure that runs it (special_table.h), or nullptr.
  std::array<std::shared_ptr<const SpecialTable>, kMaxTables> special{};
  // OFPC_FRAG_DROP (SET_CONFIG): the parse stage drops IP fragments, on either path.
  bool frag_drop = false;
  std::unique_ptr<const OfProgram> program;
  std::array<PortRuntime, kMaxPorts> ports{};
  std::vector<uint16_t> active_slots;  // slots with a started port, for the rx loop
  std::array<IngressPort, kMaxPorts> ingress{};
  // Per port: how a frame of bridge domain V leaves it (indexed by V); empty = in no domain.
  std::array<std::vector<uint16_t>, kMaxPorts> egress{};
  std::array<int16_t, kVlanCount> bd_index{};  // VLAN → index in bds, -1 = no bridge domain
  std::vector<BridgeDomain> bds;

  Tables() { bd_index.fill(-1); }
  const BridgeDomain* bridge_domain(uint16_t vid) const noexcept {
    int16_t i = bd_index[vid & 0xfff];
    return i < 0 ? nullptr : &bds[static_cast<size_t>(i)];
  }
  uint16_t egress_of(uint16_t slot, uint16_t bd) const noexcept {
    const auto& e = egress[slot];
    return e.empty() ? kEgressNone : e[bd & 0xfff];
  }
};

// Owns the published Tables. Workers call current() once per burst and report quiescence
// through the rte_rcu_qsbr variable at the end of each loop iteration.
//
// The control service publishes with publish_async(): one pointer swap; the old version joins
// a retired list with the grace-period token, and is freed by reclaim() once every worker has
// passed a quiescent point since (no spinning on the control lcore). is_live(token) says when
// no worker can still use an older version: a BARRIER_REPLY waits for that. publish() is the
// blocking form, for changes that must be complete before the caller goes on (a port leaving).
class TablesHandle {
 public:
  explicit TablesHandle(rte_rcu_qsbr* qsv);
  ~TablesHandle();
  TablesHandle(const TablesHandle&) = delete;
  TablesHandle& operator=(const TablesHandle&) = delete;

  const Tables* current() const noexcept { return current_.load(std::memory_order_acquire); }
  // Swaps in 'next' and frees the old version once no worker can still see it (waits).
  void publish(std::unique_ptr<Tables> next);
  // Swaps in 'next'; returns the token is_live() takes.
  uint64_t publish_async(std::unique_ptr<Tables> next);
  // Has every worker passed a quiescent point since the publish that gave 'token'?
  bool is_live(uint64_t token) const noexcept;
  // is_live(), waiting (spinning) up to 'max_us' for it.
  bool wait_live(uint64_t token, uint64_t max_us) const noexcept;
  // Frees the retired versions no worker can see any more. Returns how many are still held.
  size_t reclaim();
  // The version workers see now (for the control service, which is the only writer).
  const Tables& live() const noexcept { return *current_.load(std::memory_order_relaxed); }

 private:
  struct Retired {
    const Tables* tables;
    uint64_t token;
  };
  rte_rcu_qsbr* qsv_;
  std::atomic<const Tables*> current_;
  std::vector<Retired> retired_;  // oldest first
};

}  // namespace sluice::dp
