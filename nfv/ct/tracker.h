// Tracker: the dataplane's Conntracker (dataplane/conntrack.h) over nfv/conntrack's ConnTable.
// It is what Open vSwitch's ct() action does in sluiced: read the packet's connection key,
// look it up (a burst's packets together: keys first, their buckets prefetched, then the
// lookups), run the protocol's tracker, commit on ct(commit) with the exec(...) mark, and hand
// back ct_state / ct_zone / ct_mark. Packets the key cannot be read from (IP fragments,
// headers cut short) are +trk+inv. The table's memory is reclaimed on the control lcore by
// sweep(), after an RCU grace period over the workers (the daemon's quiescent-state variable).
//
// Counters (per worker, single writer; stats() sums them): created, invalid, reopened,
// table_full, port_limit, busy (ConnTable's TrackCounts), and untrackable (fragments and
// malformed headers). Not yet implemented of Open vSwitch's ct(): force (a commit in the
// reply direction keeps the existing entry), nat, ALGs (refused by the flow checks).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "dataplane/conntrack.h"
#include "nfv/conntrack/conn_table.h"

struct rte_rcu_qsbr;

namespace sluice::nfv {

class Tracker final : public dp::Conntracker {
 public:
  // 'qsv' is the workers' RCU variable (nullptr: no concurrent workers, as in unit tests).
  Tracker(const ct::ConnConfig& cfg, rte_rcu_qsbr* qsv, uint16_t workers);

  void track(uint16_t worker, uint32_t now, std::span<dp::CtRequest> requests) noexcept override;
  void sweep(uint32_t now) override;

  // Entries the sweeper visits per call (the daemon calls it every few milliseconds).
  static constexpr uint32_t kSweepBudget = 4096;

  dp::CtStats stats() const noexcept override;
  const ct::ConnTable& table() const noexcept { return table_; }

 private:
  // One worker's counts: written by it only (once per track() call), read by stats().
  struct alignas(64) WorkerCounts {
    std::atomic<uint64_t> created{0}, invalid{0}, reopened{0}, table_full{0}, port_limit{0},
        busy{0}, untrackable{0};
  };
  ct::ConnTable table_;
  std::vector<WorkerCounts> counts_;
  // Each worker's room for a burst's keys and places: built once, not per call (32 packets'
  // default-initialised keys cost a 3 KiB memset, paid even by a one-packet ct(commit)).
  struct alignas(64) Scratch {
    ct::ConnPacket pkts[32];
    ct::ConnTable::Place places[32];
    bool ok[32];
  };
  std::vector<Scratch> scratch_;
};

}  // namespace sluice::nfv
