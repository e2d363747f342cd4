// Worker: one poll-mode loop per worker lcore. Each iteration polls this worker's rx queue on
// every port, runs the pipeline over each burst, then reports a quiescent state (RCU) so the
// control lcore may free old tables. Cycle accounting follows Open vSwitch's pmd-stats:
// iterations that received packets count as busy cycles, the others as idle; busy cycles
// divided by packets is "processing cycles per packet".
//
// Idle back-off: after kEmptyPollsBeforeSleep empty iterations the worker sleeps 1 µs,
// doubling up to idle_sleep_max_us, and goes back to full polling as soon as a poll finds a
// packet (0 disables sleeping, for benchmarks). While asleep it is offline for RCU, so it never
// holds up a table update.
#pragma once

#include <atomic>
#include <cstdint>

#include "dataplane/pipeline.h"
#include "dataplane/stage.h"

struct rte_rcu_qsbr;

namespace sluice::dp {

inline constexpr uint32_t kEmptyPollsBeforeSleep = 256;

class Worker {
 public:
  // Worker 'index' of 'rt' (its counters rt.workers[index], its rx and tx queue 'index' on every
  // port; worker 0 also sends rt.packet_out's frames).
  Worker(const Runtime& rt, uint16_t index, Pipeline pipeline);
  // The lcore's main function; returns when *rt.stop becomes true.
  int run() noexcept;
  std::span<const std::unique_ptr<Stage>> stages() const noexcept { return pipeline_.stages(); }
  Pipeline& pipeline() noexcept { return pipeline_; }

  // One iteration of run() without its clock, cycle accounting and RCU report: this worker's
  // PACKET_OUTs, then an rx burst per active port through the pipeline. Returns the packets
  // received. (The tests' harness polls through it, so tests run the real loop.)
  uint32_t poll_once(const Tables& t, uint32_t now) noexcept;

 private:
  void back_off(uint32_t& sleep_us) noexcept;
  // Worker 0: sends the PACKET_OUTs the control lcore queued. Returns how many.
  uint32_t packet_outs(StageContext& ctx) noexcept;

  const Runtime& rt_;
  uint16_t index_;
  WorkerCounters& counters_;
  PacketOutQueue* packet_out_;  // worker 0 only: PACKET_OUT frames to send
  Pipeline pipeline_;
  Burst burst_;
};

}  // namespace sluice::dp
