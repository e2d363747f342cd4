// Worker: one poll-mode loop per worker lcore. Each iteration polls this worker's rx queue on
// every port, runs the pipeline over each burst, then reports a quiescent state (RCU) so the
// control lcore may free old tables. Cycle accounting follows Open vSwitch's pmd-stats:
// iterations that received packets count as busy cycles, the others as idle; busy cycles
// divided by packets is "processing cycles per packet".
//
// Rx coalescing: a port whose last poll returned a partial burst is not polled again for
// rx_coalesce_ns, so packets gather into bigger bursts and the rings' index cache lines stop
// bouncing between this core and the sender's (a VM's vCPU) on every packet. Iterations that
// skip every port find nothing and count as idle. Adds at most rx_coalesce_ns of latency.
//
// Idle back-off: after kEmptyPollsBeforeSleep empty iterations the worker sleeps 1 µs,
// doubling up to idle_sleep_max_us, and goes back to full polling as soon as a poll finds a
// packet (0 disables sleeping, for benchmarks). While asleep it is offline for RCU, so it never
// holds up a table update.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "dataplane/pipeline.h"
#include "dataplane/stage.h"

struct rte_rcu_qsbr;

namespace sluice::dp {

class TablesHandle;

struct WorkerEnv {
  uint16_t index = 0;
  uint32_t idle_sleep_max_us = 250;
  uint32_t rx_coalesce_ns = 0;  // after a partial burst, leave that port alone this long
  const TablesHandle* tables = nullptr;
  MacTable* macs = nullptr;
  LearnQueue* learn = nullptr;
  WorkerCounters* counters = nullptr;
  const std::atomic<uint8_t>* link_state = nullptr;
  rte_rcu_qsbr* qsv = nullptr;
  const std::atomic<bool>* stop = nullptr;
};

inline constexpr uint32_t kEmptyPollsBeforeSleep = 256;

class Worker {
 public:
  Worker(WorkerEnv env, Pipeline pipeline);
  // The lcore's main function; returns when env.stop becomes true.
  int run() noexcept;
  std::span<const std::unique_ptr<Stage>> stages() const noexcept { return pipeline_.stages(); }

 private:
  uint32_t poll_once(const Tables& t, uint32_t now, uint64_t tsc) noexcept;
  void back_off(uint32_t& sleep_us) noexcept;

  WorkerEnv env_;
  Pipeline pipeline_;
  Burst burst_;
  uint64_t coalesce_cycles_ = 0;
  std::array<uint64_t, kMaxPorts> next_poll_{};  // TSC before which a slot is not polled
};

}  // namespace sluice::dp
