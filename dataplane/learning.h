// The control lcore's half of MAC learning: applies the workers' learn requests (LearnQueue)
// to the MacTable, where the live tables still put the port in the request's bridge domain.
//
// Bounded per call: a guest flooding source MACs refills the queue as fast as the control lcore
// empties it, and an unbounded drain would stop heartbeats, aging and flow timeouts. What is
// left waits for the next poll; the queue is bounded too (a full one drops, counted as
// learn_queue_full by the workers).
#pragma once

#include <cstdint>

#include "dataplane/learn_queue.h"

namespace sluice::dp {

class MacTable;
struct Tables;

inline constexpr uint32_t kMaxLearnPerPoll = 4096;

// Takes at most 'limit' requests; returns how many it took.
uint32_t apply_learn_requests(LearnQueue& queue, MacTable& macs, const Tables& live, uint32_t now,
                              uint32_t limit = kMaxLearnPerPoll) noexcept;

}  // namespace sluice::dp
