// FlowEntry and GroupEntry: one installed OpenFlow flow or group as the FlowStore keeps it
// (match, instructions, timeouts, counter slots), and what FLOW_REMOVED reports of a flow that
// left. Shared by the store (flow_store.h), its checks (flow_checks.h) and the compiler, so the
// checks need not include the store. Std C++ only.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "openflow/messages.h"

namespace sluice::dp {

struct FlowTotals {
  uint64_t packets = 0;
  uint64_t bytes = 0;
};

using SteadyTime = std::chrono::steady_clock::time_point;

struct FlowEntry {
  uint8_t table_id = 0;
  uint16_t priority = 0;
  uint16_t flags = 0;
  uint16_t idle_timeout = 0;
  uint16_t hard_timeout = 0;
  uint64_t cookie = 0;
  of::Match match;
  of::Instructions instructions;
  uint32_t counter = 0;      // per-worker counter slot
  FlowTotals baseline;       // counter value when the slot was given to this flow
  SteadyTime installed;
  // Idle timeout bookkeeping: the packet count last seen by expire(), and when it changed.
  uint64_t seen_packets = 0;
  SteadyTime last_active;
};

// ofp_flow_removed_reason.
enum class RemovedReason : uint8_t { kIdleTimeout = 0, kHardTimeout = 1, kDelete = 2, kGroupDelete = 3 };

// A flow that left with OFPFF_SEND_FLOW_REM set: what FLOW_REMOVED reports.
struct RemovedFlow {
  FlowEntry flow;
  RemovedReason reason = RemovedReason::kDelete;
  FlowTotals totals;  // its counters at removal
  SteadyTime removed;
};

struct GroupEntry {
  of::GroupType type = of::GroupType::kAll;
  uint32_t group_id = 0;
  std::vector<of::Bucket> buckets;
  SteadyTime installed;
  // Counter slots (from the flows' pool): the group's, then one per bucket, with the values
  // they held when given to this group.
  std::vector<uint32_t> counters;
  std::vector<FlowTotals> baselines;
};

}  // namespace sluice::dp
