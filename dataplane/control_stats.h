// Counts of control messages by OpenFlow message type and outcome, written by the control
// lcore and read by the metrics exporter.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace sluice::dp {

struct ControlStats {
  static constexpr size_t kTypes = 32;
  std::array<std::atomic<uint64_t>, kTypes> applied{};
  std::array<std::atomic<uint64_t>, kTypes> rejected{};
  std::atomic<uint64_t> undecodable{0};  // frames whose header could not be read at all
  std::atomic<uint64_t> publishes{0};    // table versions published
  std::atomic<uint64_t> full_compiles{0};         // ... compiled from nothing
  std::atomic<uint64_t> incremental_compiles{0};  // ... compiled from the flows that changed
  std::atomic<uint64_t> flow_removed_sent{0};
  std::atomic<uint64_t> packet_in_sent{0};
  std::atomic<uint64_t> bundles_committed{0};
  std::atomic<uint64_t> bundles_failed{0};  // commits refused (the store was left unchanged)
  std::atomic<uint64_t> bundle_opens_refused{0};  // OUT_OF_BUNDLES: the slot holds its most
  std::atomic<uint64_t> bundle_adds_refused{0};   // MSG_TOO_MANY: messages or bytes at the cap
  // The control channel's own counters (of::ChannelServer::Stats), copied by each poll.
  std::atomic<uint64_t> channel_broken_frames{0};
  std::atomic<uint64_t> channel_reclaimed_slots{0};
  std::atomic<uint64_t> channel_tx_dropped{0};
  std::atomic<uint64_t> channel_outbox_overflows{0};

  void count(uint8_t type, bool ok) noexcept {
    auto& c = ok ? applied : rejected;
    c[type < kTypes ? type : 0].fetch_add(1, std::memory_order_relaxed);
  }
};

const char* message_type_name(uint8_t type) noexcept;

}  // namespace sluice::dp
