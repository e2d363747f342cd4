// Sums of the per-worker counters, as the control service and the exporter report them.
#pragma once

#include <cstdint>
#include <span>

#include "dataplane/counters.h"

namespace sluice::dp {

struct PortTotals {
  uint64_t rx_packets = 0, rx_bytes = 0, tx_packets = 0, tx_bytes = 0;
  uint64_t rx_dropped = 0, tx_dropped = 0;

  PortTotals operator-(const PortTotals& b) const noexcept {
    return {rx_packets - b.rx_packets, rx_bytes - b.rx_bytes, tx_packets - b.tx_packets,
            tx_bytes - b.tx_bytes,     rx_dropped - b.rx_dropped, tx_dropped - b.tx_dropped};
  }
};

inline PortTotals sum_port(std::span<WorkerCounters* const> workers, uint16_t slot) noexcept {
  PortTotals t;
  for (const WorkerCounters* w : workers) {
    const PortCounters& p = w->ports[slot];
    t.rx_packets += p.rx_packets.get();
    t.rx_bytes += p.rx_bytes.get();
    t.tx_packets += p.tx_packets.get();
    t.tx_bytes += p.tx_bytes.get();
    t.rx_dropped += p.rx_dropped.get();
    t.tx_dropped += p.tx_dropped.get();
  }
  return t;
}

inline uint64_t sum_flow_packets(std::span<WorkerCounters* const> workers, uint32_t flow) noexcept {
  uint64_t n = 0;
  for (const WorkerCounters* w : workers) n += w->flows[flow].packets.get();
  return n;
}

inline uint64_t sum_flow_bytes(std::span<WorkerCounters* const> workers, uint32_t flow) noexcept {
  uint64_t n = 0;
  for (const WorkerCounters* w : workers) n += w->flows[flow].bytes.get();
  return n;
}

}  // namespace sluice::dp
