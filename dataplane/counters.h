// Single-writer counters. A worker owns its counter blocks and adds to them once per burst
// with plain (relaxed) stores; the exporter and the control service read them from other
// threads and sum across workers. No locked instructions on the fast path.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace sluice::dp {

class Counter {
 public:
  // Only the owning thread may call add().
  void add(uint64_t n) noexcept {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  uint64_t get() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

inline constexpr size_t kMaxDropReasons = 16;
inline constexpr size_t kMaxStages = 8;
inline constexpr size_t kMaxPorts = 256;
inline constexpr size_t kMaxFlowCounters = 1 << 18;
inline constexpr size_t kMaxWorkers = 16;
inline constexpr size_t kMaxTables = 64;

struct alignas(64) StageCounters {
  Counter calls;    // bursts processed
  Counter packets;  // packets that entered the stage
  Counter cycles;   // TSC cycles spent in the stage, on the timed bursts (Pipeline)
  Counter timed_packets;  // packets that entered the stage on those bursts
  std::array<Counter, kMaxDropReasons> drops;
};

struct alignas(64) PortCounters {
  Counter rx_packets, rx_bytes;
  Counter tx_packets, tx_bytes;
  Counter rx_dropped;  // received here, then dropped by a stage
  Counter tx_dropped;  // bound for this port, then dropped (queue full, port down, ...)
};


struct FlowCounter {
  Counter packets, bytes;
};

// Per-flow counting for a burst: consecutive packets of the same flow (the common case: a
// burst from one port and VLAN, or towards one destination) cost one counter write per run,
// not two per packet. Flushes when the flow changes and when it goes out of scope.
class FlowCountBatch {
 public:
  explicit FlowCountBatch(std::array<FlowCounter, kMaxFlowCounters>& flows) : flows_(flows) {}
  ~FlowCountBatch() { flush(); }
  FlowCountBatch(const FlowCountBatch&) = delete;
  FlowCountBatch& operator=(const FlowCountBatch&) = delete;

  void add(uint32_t flow, uint32_t bytes) noexcept {
    if (flow != flow_) {
      flush();
      flow_ = flow;
    }
    ++packets_;
    bytes_ += bytes;
  }
  void flush() noexcept {
    if (packets_ != 0 && flow_ < kMaxFlowCounters) {
      flows_[flow_].packets.add(packets_);
      flows_[flow_].bytes.add(bytes_);
    }
    packets_ = 0;
    bytes_ = 0;
  }

 private:
  std::array<FlowCounter, kMaxFlowCounters>& flows_;
  uint32_t flow_ = 0xffffffff;
  uint32_t packets_ = 0;
  uint64_t bytes_ = 0;
};

// Output-phase drops (the pipeline's own, after the stages).
enum class OutputDrop : uint8_t {
  kNone = 0,
  kPortDown,
  kTxQueueFull,
  kEgressVlanNotAllowed,
  kMtuExceeded,
  kNoMbufForFlood,
  kNoTagRoom,
  kFloodNoMembers,
  kUnknownPort,        // output to a port number that is not there
  kOutputToInPort,     // output:P with P the ingress port (OpenFlow skips it; use IN_PORT)
  kNoMbufForCopy,      // a copy for an output or group bucket found the pool empty
  kPacketInUnavailable,   // output:CONTROLLER with no PACKET_IN queue
  kPacketInRateLimited,   // over the per-worker PACKET_IN rate
  kPacketInQueueFull,     // the control lcore did not keep up
  kGroupNoLiveBucket,  // FAST_FAILOVER with no live bucket, or a group without buckets
  kBucketWithoutOutput,
  kNormalNoOutput,     // NORMAL on a copy, or in a PACKET_OUT, that learning forwarding dropped
  kCount,
};
inline constexpr std::array<const char*, static_cast<size_t>(OutputDrop::kCount)>
    kOutputDropNames = {"none",          "port_down",   "tx_queue_full",
                        "egress_vlan_not_allowed", "mtu_exceeded", "no_mbuf_for_flood",
                        "no_tag_room",   "flood_no_members", "unknown_port", "output_to_in_port",
                        "no_mbuf_for_copy", "packet_in_unavailable", "packet_in_rate_limited",
                        "packet_in_queue_full", "group_no_live_bucket",
                        "bucket_without_output", "normal_no_output"};

// Everything one worker counts. Allocated once per worker, cache aligned, never freed while
// the daemon runs (so readers never see it go away).
struct alignas(64) WorkerCounters {
  Counter iterations;
  Counter busy_cycles;   // iterations that received packets (like OVS "processing cycles")
  Counter idle_cycles;   // iterations that received nothing
  Counter rx_packets;    // packets received (the denominator of cycles per packet)
  Counter sleeps;
  Counter sleep_us;
  Counter learn_queue_full;  // learning requests the control lcore could not take in time
  Counter flood_copies;
  Counter mac_cache_lookups;  // MAC addresses looked up in the worker's cache (two per frame)
  Counter mac_cache_misses;   // ... not found there (then looked up in the shared table)
  std::array<StageCounters, kMaxStages> stages;
  std::array<Counter, static_cast<size_t>(OutputDrop::kCount)> output_drops;
  std::array<PortCounters, kMaxPorts> ports;
  std::array<FlowCounter, kMaxFlowCounters> flows;
  std::array<Counter, kMaxTables> table_lookups;  // packets looked up per OpenFlow table
  std::array<Counter, kMaxTables> table_matches;  // ... that matched a flow
};

}  // namespace sluice::dp
