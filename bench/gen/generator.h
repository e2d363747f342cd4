// Generator: owns the virtio_user port and the mbufs, and replays a FlowMix on it from the
// calling lcore (the only one). Not thread-safe; one per process.
//
// Transmit path, per burst of 32: take fresh mbufs in bulk and copy the flow's template frame
// into each (copy mode; the frames then look like testpmd's: direct, refcnt 1, so the virtio
// PMD puts its header in the headroom), or transmit the template mbufs themselves with a
// reference bump (clone mode; no copy, but the PMD needs a separate header descriptor).
// Frames the ring did not take are kept and sent first next time, in order.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "bench/gen/flow_mix.h"
#include "bench/gen/gen_options.h"
#include "openflow/result.h"

struct rte_mbuf;
struct rte_mempool;

namespace sluice::bench {

struct TxTotals {
  uint64_t sent = 0;
  uint64_t retries = 0;  // bursts the ring did not take in full
  uint64_t cycles = 0;
};

class Generator {
 public:
  // The port must be probed already (EAL --vdev virtio_user0,...); it is port 0.
  static Result<std::unique_ptr<Generator>> create(const GenOptions& opts);
  ~Generator();

  // Waits until the vhost-user side is connected. False on timeout or stop.
  bool wait_link(double seconds, const std::atomic<bool>& stop);
  // One frame per source MAC, 32 at a time with a gap, so a learning switch keeps up.
  void send_learn_frames(const std::atomic<bool>& stop);
  // Full rate for 'seconds'; progress lines every 'interval' seconds when > 0.
  TxTotals run(double seconds, double interval, const char* phase, const std::atomic<bool>& stop);

 private:
  Generator(const GenOptions& opts, FlowMix mix) : opts_(opts), mix_(std::move(mix)) {}
  Result<void> setup();
  uint16_t fill(rte_mbuf** pkts, uint16_t n) noexcept;
  void fresh_source(rte_mbuf* m) noexcept;
  void drain_rx() noexcept;

  GenOptions opts_;
  FlowMix mix_;
  uint16_t port_ = 0;
  rte_mempool* pool_ = nullptr;
  rte_mempool* template_pool_ = nullptr;
  std::vector<rte_mbuf*> templates_;  // clone mode: one mbuf per flow
  uint32_t next_ = 0;                 // next flow to send
  uint64_t fresh_ = 0;                // --new-connections: sources used so far
  bool rewriting_ = false;            // run(): give each frame a fresh source
  bool started_ = false;
};

}  // namespace sluice::bench
