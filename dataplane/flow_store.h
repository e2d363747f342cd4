// FlowStore: the OpenFlow rules and groups the controller installed, as received, with the
// checks that keep them within what this dataplane's tables can compile (docs/architecture.md,
// "Tables"). It answers FLOW_MOD and GROUP_MOD with the OpenFlow error the spec names, keeps
// per-flow counter slots, and feeds the compiler (dataplane/compiler.h).
// Control lcore only. No DPDK here, so it is unit-testable as plain C++.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <utility>
#include <vector>

#include "openflow/codec.h"
#include "openflow/messages.h"

namespace sluice::dp {

struct FlowTotals {
  uint64_t packets = 0;
  uint64_t bytes = 0;
};

struct FlowEntry {
  uint8_t table_id = 0;
  uint16_t priority = 0;
  uint16_t flags = 0;
  uint16_t idle_timeout = 0;
  uint16_t hard_timeout = 0;
  uint64_t cookie = 0;
  of::Match match;
  of::Instructions instructions;
  uint16_t counter = 0;      // per-worker counter slot
  FlowTotals baseline;       // counter value when the slot was given to this flow
  std::chrono::steady_clock::time_point installed;
};

struct GroupEntry {
  of::GroupType type = of::GroupType::kAll;
  uint32_t group_id = 0;
  std::vector<of::Bucket> buckets;
};

class FlowStore {
 public:
  using CounterReader = std::function<FlowTotals(uint16_t counter)>;
  static constexpr uint8_t kNumTables = 2;

  FlowStore(uint16_t counter_slots, CounterReader reader);

  of::Decoded<void> apply(const of::FlowMod& fm);
  of::Decoded<void> apply(const of::GroupMod& gm);

  const std::vector<FlowEntry>& flows() const noexcept { return flows_; }
  const std::map<uint32_t, GroupEntry>& groups() const noexcept { return groups_; }
  // Flow statistics for a FLOW multipart request.
  std::vector<of::FlowStats> stats(const of::FlowStatsRequest& req) const;
  // True when something changed since the last call (the tables need recompiling).
  bool take_dirty() noexcept { return std::exchange(dirty_, false); }

 private:
  of::Decoded<void> check_shape(const of::FlowMod& fm) const;
  of::Decoded<void> add(const of::FlowMod& fm);
  of::Decoded<void> modify(const of::FlowMod& fm, bool strict);
  void remove(const of::FlowMod& fm, bool strict);
  bool selected(const FlowEntry& f, const of::FlowMod& fm, bool strict) const;
  void release(const FlowEntry& f);
  void remove_flows_using_group(uint32_t group_id);

  std::vector<FlowEntry> flows_;
  std::map<uint32_t, GroupEntry> groups_;
  std::vector<uint16_t> free_counters_;
  CounterReader reader_;
  bool dirty_ = false;
};

// Does 'wide' (a non-strict request's match) select 'narrow' (an installed flow's match)?
// True when every field 'wide' matches is matched by 'narrow' at least as precisely, with the
// same value under 'wide's mask.
bool match_covers(const of::Match& wide, const of::Match& narrow) noexcept;

}  // namespace sluice::dp
