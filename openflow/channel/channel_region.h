// Helpers shared by ChannelServer and ChannelClient (internal to sluice_channel): names, the
// shared-memory mapping, process liveness and the waiting policy.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "openflow/channel/channel_layout.h"
#include "openflow/result.h"

namespace sluice::of::region {

// "/sluice.<name>" (the shm_open name) after checking 'name' is usable in a file name.
Result<std::string> shm_name(std::string_view name);

// True if a process with this pid exists (kill(pid, 0) succeeds or says EPERM).
bool pid_alive(pid_t pid) noexcept;

// "'name'", for error messages (out of line: keeps GCC 12's -Wrestrict false positive away).
std::string quoted(std::string_view name);

// The text of errno, for error messages.
std::string errno_text(int err);

// Maps 'bytes' of 'fd' read-write and shared; nullptr on failure (errno set).
void* map_shared(int fd, size_t bytes) noexcept;

// The region's header and slot headers at their offsets.
inline layout::RegionHeader* header_at(void* base) noexcept {
  return static_cast<layout::RegionHeader*>(base);
}
inline layout::SlotHeader* slot_at(void* base, uint32_t slot, uint32_t ring_bytes) noexcept {
  return reinterpret_cast<layout::SlotHeader*>(static_cast<uint8_t*>(base) +
                                               layout::slot_offset(slot, ring_bytes));
}
inline void* ring_block_at(void* base, size_t offset) noexcept {
  return static_cast<uint8_t*>(base) + offset;
}

// Sleeps a little more each round while waiting: a few yields first, then 20 us growing to
// 1 ms, so a waiting client costs next to nothing on a busy two-core machine.
class Backoff {
 public:
  void pause() noexcept;
  void reset() noexcept { round_ = 0; }

 private:
  uint32_t round_ = 0;
};

}  // namespace sluice::of::region
