// FlowStore: the OpenFlow rules and groups the controller installed, as received, with the
// OpenFlow 1.3 semantics of FLOW_MOD and GROUP_MOD (add, modify, modify-strict, delete,
// delete-strict, cookies and cookie masks, out_port/out_group filters, CHECK_OVERLAP,
// RESET_COUNTS, idle and hard timeouts, SEND_FLOW_REM) and the OpenFlow error the spec names
// for everything it refuses (flow_checks.h). It keeps per-flow counter slots and feeds the
// compiler (dataplane/compiler.h).
//
// Every table is a plain OpenFlow table and takes any valid flow. The learning table
// (SWITCH_CONFIG; none until a controller names one) learns MACs while it holds only the L2
// shapes of docs/architecture.md; holding any other flow, it runs as a plain table.
// Control lcore only. No DPDK here, so it is unit-testable as plain C++.
#pragma once

#include <chrono>
#include <deque>
#include <cstdint>
#include <functional>
#include <array>
#include <map>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "dataplane/flow_entry.h"
#include "openflow/codec.h"
#include "openflow/messages.h"

namespace sluice::dp {

// What changed in a FlowStore since the last take_changes(): the flows (by counter slot)
// added, modified or removed, and whether something beyond single flows changed (a group, the
// learning table), after which the compiler rebuilds everything.
struct StoreChanges {
  bool structure = false;
  std::vector<uint32_t> flows;  // may repeat a slot
  bool any() const noexcept { return structure || !flows.empty(); }
};

struct AggregateStats {
  uint64_t packets = 0, bytes = 0;
  uint32_t flows = 0;
};

class FlowStore {
 public:
  using CounterReader = std::function<FlowTotals(uint32_t counter)>;
  static constexpr uint8_t kNumTables = 64;

  FlowStore(uint32_t counter_slots, CounterReader reader);

  of::Decoded<void> apply(const of::FlowMod& fm);
  of::Decoded<void> apply(const of::GroupMod& gm);
  // Names the learning table (of::kNoLearningTable: none; refused only for a table number past
  // the last). It learns while it holds only L2 shapes.
  of::Decoded<void> set_learning_table(uint8_t table);
  uint8_t learning_table() const noexcept { return learning_table_; }

  // Removes the flows whose idle or hard timeout has passed at 'now'.
  void expire(SteadyTime now);
  // Flows removed with SEND_FLOW_REM since the last call, oldest first.
  std::vector<RemovedFlow> take_removed() { return std::exchange(removed_, {}); }

  const std::deque<FlowEntry>& flows() const noexcept { return flows_; }
  const std::map<uint32_t, GroupEntry>& groups() const noexcept { return groups_; }
  // The flows a FLOW or AGGREGATE request selects, by table then descending priority. Cheap:
  // pointers (valid until the store changes), so 100k flows are chosen in milliseconds.
  std::vector<const FlowEntry*> select(const of::FlowStatsRequest& req) const;
  // One flow's statistics entry (counters read now).
  of::FlowStats flow_stats(const FlowEntry& f, SteadyTime now) const;
  // select() then flow_stats() for each: for tests and small tables.
  std::vector<of::FlowStats> stats(const of::FlowStatsRequest& req) const;
  AggregateStats aggregate(const of::FlowStatsRequest& req) const;
  // Flows per table, for TABLE statistics.
  std::array<uint32_t, kNumTables> active_counts() const;
  // How many flows name 'group_id' in an action (GROUP statistics' ref_count).
  uint32_t group_ref_count(uint32_t group_id) const;
  // The group's counters since it was added (index 0) and each bucket's since the group was
  // last added or modified (index 1 + bucket).
  std::vector<FlowTotals> group_totals(const GroupEntry& g) const;
  // What changed since the last call (the tables need recompiling if anything did).
  StoreChanges take_changes() noexcept { return std::exchange(changes_, {}); }
  // True when something changed since the last call (take_changes() without the details).
  bool take_dirty() noexcept { return take_changes().any(); }
  // The flow holding counter slot 'counter', or nullptr (valid until the store changes).
  const FlowEntry* flow_by_counter(uint32_t counter) const noexcept;
  FlowTotals totals(const FlowEntry& f) const;

 private:
  struct StrictKey {
    uint8_t table_id;
    uint16_t priority;
    of::Match match;
    friend bool operator==(const StrictKey&, const StrictKey&) = default;
  };
  struct StrictHash {
    size_t operator()(const StrictKey& k) const noexcept;
  };
  static StrictKey key_of(const FlowEntry& f) { return {f.table_id, f.priority, f.match}; }

  of::Decoded<void> check_flow(const of::FlowMod& fm) const;
  of::Decoded<void> add(const of::FlowMod& fm);
  of::Decoded<void> modify(const of::FlowMod& fm, bool strict);
  void remove(const of::FlowMod& fm, bool strict);
  bool selected(const FlowEntry& f, const of::FlowMod& fm, bool strict) const;
  // Removes every flow for which pick(flow) gives a reason, reporting those that asked for it.
  template <class Pick>
  void remove_if(Pick pick, SteadyTime now);
  void remove_flows_using_group(uint32_t group_id, SteadyTime now);
  bool overlaps_existing(const of::FlowMod& fm) const;
  // Gives 'g' one counter slot for itself and one per bucket; false if the pool is short.
  bool take_group_counters(GroupEntry& g, size_t n_buckets);
  void release_group_counters(GroupEntry& g);
  void changed_flow(uint32_t counter) { changes_.flows.push_back(counter); }
  void changed_structure() { changes_.structure = true; }
  void reindex();  // index_ and position_ from flows_

  // A deque: a FlowEntry is about 1.2 KB (fixed-size action lists), and a growing vector of
  // 100k of them would move 100+ MB at each doubling (in page faults, mostly).
  std::deque<FlowEntry> flows_;
  std::unordered_map<StrictKey, uint32_t, StrictHash> index_;  // → position in flows_
  static constexpr uint32_t kNoPosition = 0xffffffff;
  std::vector<uint32_t> position_;  // counter slot → position in flows_, or kNoPosition
  std::map<uint32_t, GroupEntry> groups_;
  std::vector<uint32_t> free_counters_;
  std::vector<RemovedFlow> removed_;
  CounterReader reader_;
  uint8_t learning_table_ = of::kNoLearningTable;
  uint32_t timed_flows_ = 0;  // flows with an idle or hard timeout
  StoreChanges changes_;
};

// Does 'wide' (a non-strict request's match) select 'narrow' (an installed flow's match)?
// True when every field 'wide' matches is matched by 'narrow' at least as precisely, with the
// same value under 'wide's mask.
bool match_covers(const of::Match& wide, const of::Match& narrow) noexcept;
// Could one packet match both? (CHECK_OVERLAP, for flows of equal priority.)
bool matches_overlap(const of::Match& a, const of::Match& b) noexcept;
// OpenFlow's out_port / out_group filters: ANY, or an action of the flow outputs there.
bool outputs_to(const of::Instructions& ins, uint32_t port) noexcept;
bool uses_group(const of::Instructions& ins, uint32_t group) noexcept;

}  // namespace sluice::dp
